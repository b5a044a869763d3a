"""The ledger's lists when downloaded (see `core.exports`). The compliance report: every
row of the report, in the page's order (worst status first, the largest shortfall first),
read a chunk at a time so that 100,000 cadres stay out of memory. The hours ledger: the
page's records, as values."""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.exports import CHUNK_SIZE, DATE, NUMBER, Column, label
from ledger import compliance
from ledger.models import HourRecord
from org import idnumber
from org.models import Cadre, Unit


def report_rows(report: compliance.ReportRows, chunk: int = CHUNK_SIZE):
    """The report's rows, each with its unit's name: the order (ids and shortfalls) in
    one query, then `evaluate` and the units' names per chunk — a few queries per
    2,000 rows, however long the report."""
    union = report._union()
    if union is None:
        return
    order = report._fetch(
        f"SELECT s.id, s.shortfall FROM ({union[0]}) s "
        "ORDER BY s.severity, s.shortfall DESC, s.name, s.id",
        union[1],
    )
    for start in range(0, len(order), chunk):
        part = order[start : start + chunk]
        rows = {
            row["cadre_id"]: row
            for row in compliance.evaluate(
                Cadre.objects.filter(pk__in=[pk for pk, _shortfall in part]),
                report.as_of,
                report.since,
                rule_sets=report.profiles,
            )
        }
        units = dict(
            Unit.objects.filter(pk__in={row["unit_id"] for row in rows.values()}).values_list(
                "pk", "name"
            )
        )
        for pk, shortfall in part:
            row = rows.get(pk)
            if row is not None:
                row["shortfall"] = max(float(shortfall or 0.0), 0.0)
                row["unit"] = units.get(row["unit_id"], "")
                yield row


def _shortfall(row):
    return round(100 * row["shortfall"], 1) if row["shortfall"] else None


COMPLIANCE = [
    Column(_("Name"), lambda r: r["name"], width=12),
    Column(_("Unit"), lambda r: r["unit"], width=24),
    Column(_("Group"), lambda r: gettext("Group A") if r["group"] == "A" else gettext("Group B")),
    Column(_("Indicators"), compliance.indicators_text, width=48),
    Column(_("Status"), lambda r: compliance.STATUS_LABELS.get(r["status"], r["status"]), width=8),
    Column(_("Shortfall (%)"), _shortfall, NUMBER, width=10),
]


# The hours ledger (a jurisdiction's can hold 1,000,000 records): read as plain values,
# not model instances with their cadres and units.
LEDGER_FIELDS = (
    "date",
    "cadre__name",
    "cadre__id_number",
    "cadre__unit__name",
    "hours",
    "days",
    "kind",
    "source",
    "status",
    "note",
    "created_at",
)


def ledger_rows(records):
    """The ledger page's records (`ledger.selectors.hour_ledger`) as the values the
    columns read."""
    return records.values(*LEDGER_FIELDS)


LEDGER = [
    Column(_("date"), lambda r: r["date"], DATE, width=12),
    Column(_("Name"), lambda r: r["cadre__name"], width=12),
    Column(_("ID number"), lambda r: idnumber.mask(r["cadre__id_number"]), width=22),
    Column(_("Unit"), lambda r: r["cadre__unit__name"], width=28),
    Column(_("hours"), lambda r: r["hours"], NUMBER, width=8),
    Column(_("Days"), lambda r: r["days"], NUMBER, width=6),
    Column(_("kind"), label(HourRecord, "kind"), width=12),
    Column(_("source"), label(HourRecord, "source"), width=14),
    Column(_("Status"), label(HourRecord, "status"), width=10),
    Column(_("note"), lambda r: r["note"], width=30),
    Column(_("Entered in the ledger"), lambda r: r["created_at"], DATE, width=18),
]
