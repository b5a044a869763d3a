"""The survey lists when downloaded (see `core.exports`)."""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.exports import DATE, NUMBER, Column, choice, yes_no

SURVEYS = [
    Column(_("Title"), lambda s: s.title, width=30),
    Column(_("Organization department"), lambda s: s.org_department.unit.name, width=24),
    Column(_("Training year"), lambda s: s.year, NUMBER, width=8),
    Column(_("Answer by"), lambda s: s.deadline, DATE, width=17),
    Column(_("Status"), choice("status"), width=10),
    Column(_("Units"), lambda s: s.units, NUMBER, width=8),
    Column(_("Approved"), lambda s: s.approved, NUMBER, width=8),
]

ANSWERS = [
    Column(_("Unit"), lambda a: a.unit.name, width=30),
    Column(_("Status"), choice("status"), width=14),
    Column(_("Answered at"), lambda a: a.submitted_at, DATE, width=17),
    Column(_("Decided at"), lambda a: a.decided_at, DATE, width=17),
    Column(_("Escalated"), lambda a: yes_no(a.escalated), width=6),
]

RESULTS = [
    Column(_("Question"), lambda r: r["question"], width=24),
    Column(_("Item"), lambda r: r["item"], width=30),
    Column(_("Units"), lambda r: r["units"], NUMBER, width=8),
    Column(_("Cadres"), lambda r: r["cadres"], NUMBER, width=8),
]


def result_rows(results: dict) -> list[dict]:
    """The results as one table: topics, then categories, then months."""
    rows = []
    for r in results["topics"]:
        item = r["topic"] if r["offered"] else f"{r['topic']}（{gettext('added by units')}）"
        rows.append({"question": gettext("Topics wanted"), "item": item, **_figures(r)})
    per_category = gettext("Cadres needing training per category")
    for r in results["categories"]:
        rows.append({"question": per_category, "item": r["label"], **_figures(r)})
    # The page's 合计 line under the categories (the units column left blank, as there).
    rows.append(
        {
            "question": per_category,
            "item": gettext("Total"),
            "units": None,
            "cadres": results["cadres"],
        }
    )
    for r in results["months"]:
        rows.append(
            {
                "question": gettext("Preferred months"),
                "item": gettext("Month %(m)s") % {"m": r["month"]},
                **_figures(r),
            }
        )
    return rows


def _figures(row):
    return {"units": row["units"], "cadres": row["cadres"]}
