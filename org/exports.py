"""The columns of the organization's lists when downloaded (see `core.exports`): what the
page shows, one column each. A cadre's ID number is whole for a reader who keeps the
record (`org.policy.may_see_id_number`, asked in SQL for the whole list:
`policy.id_number_shown`) — so a department can export its cadres, correct them and import
them back by ID number (a DIGITS column: Excel keeps it text) — and masked for everyone
else (`idnumber.mask`)."""

from django.utils.translation import gettext_lazy as _

from core.exports import DIGITS, NUMBER, Column, choice, label
from org import idnumber, policy
from org.models import Cadre

# The cadre list is the longest (100,000 rows): read as plain values, not model instances
# (six per row with their units and departments), which takes a third of the time.
CADRE_FIELDS = (
    "name",
    "gender",
    "id_number",
    "unit__name",
    "position",
    "category",
    "managing_org_department__unit__name",
    "co_managing_org_department__unit__name",
)


def cadre_rows(cadres, user):
    """The page's cadres (`org.selectors.cadre_list`) as the values the columns read, each
    with whether `user` may see its whole ID number (`policy.id_number_shown`)."""
    return cadres.values(*CADRE_FIELDS, id_number_shown=policy.id_number_shown(user))


def _id_number(row) -> str:
    return row["id_number"] if row["id_number_shown"] else idnumber.mask(row["id_number"])


def _departments(row) -> str:
    names = [
        row["managing_org_department__unit__name"],
        row["co_managing_org_department__unit__name"],
    ]
    return " / ".join(name for name in names if name)


CADRES = [
    Column(_("Name"), lambda r: r["name"], width=12),
    Column(_("Gender"), label(Cadre, "gender"), width=6),
    Column(_("ID number"), _id_number, DIGITS, width=22),
    Column(_("Unit"), lambda r: r["unit__name"], width=28),
    Column(_("Position"), lambda r: r["position"], width=20),
    Column(_("Category"), label(Cadre, "category"), width=14),
    Column(_("Managing organization department"), _departments, width=28),
]

UNITS = [
    Column(_("Unit name"), lambda u: u.name, width=28),
    Column(_("Code"), lambda u: u.code, width=16),
    Column(_("Kind"), choice("kind"), width=14),
    Column(_("Parent unit"), lambda u: u.parent.name if u.parent else "", width=28),
    Column(_("Level"), lambda u: u.depth, NUMBER, width=6),
]
