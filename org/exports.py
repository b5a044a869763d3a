"""The columns of the organization's lists when downloaded (see `core.exports`): what the
page shows, one column each. ID numbers are masked, as on the page (`Cadre.masked_id_number`
is the rule for every reader)."""

from django.utils.translation import gettext_lazy as _

from core.exports import NUMBER, Column, choice


def _departments(cadre) -> str:
    names = [cadre.managing_org_department, cadre.co_managing_org_department]
    return " / ".join(str(department) for department in names if department)


CADRES = [
    Column(_("Name"), lambda c: c.name, width=12),
    Column(_("Gender"), choice("gender"), width=6),
    Column(_("ID number"), lambda c: c.masked_id_number, width=22),
    Column(_("Unit"), lambda c: c.unit.name, width=28),
    Column(_("Position"), lambda c: c.position, width=20),
    Column(_("Rank"), lambda c: c.rank, width=12),
    Column(_("Category"), choice("category"), width=14),
    Column(_("Managing organization department"), _departments, width=28),
]

UNITS = [
    Column(_("Unit name"), lambda u: u.name, width=28),
    Column(_("Code"), lambda u: u.code, width=16),
    Column(_("Kind"), choice("kind"), width=14),
    Column(_("Parent unit"), lambda u: u.parent.name if u.parent else "", width=28),
    Column(_("Level"), lambda u: u.depth, NUMBER, width=6),
]
