"""The report's columns when downloaded (see `core.exports`): aggregates only, empty
where fewer than three answers would show — per class, per institution, and per session
of one class (its report page's sessions)."""

from django.utils.translation import gettext_lazy as _

from core.exports import DATE, NUMBER, Column

_FIGURES = [
    Column(_("Trainees invited"), lambda r: r["invited"], NUMBER, width=8),
    Column(_("Answers"), lambda r: r["answered"], NUMBER, width=8),
    Column(_("Average score"), lambda r: r["score"], NUMBER, width=8),
    Column(_("Follow-ups"), lambda r: r["follow_ups"], NUMBER, width=8),
    Column(_("Follow-ups done"), lambda r: r["done"], NUMBER, width=8),
    Column(_("Applied"), lambda r: r["applied_yes"], NUMBER, width=8),
    Column(_("Partly applied"), lambda r: r["applied_partly"], NUMBER, width=8),
    Column(_("Not applied"), lambda r: r["applied_no"], NUMBER, width=8),
    Column(_("Average rating"), lambda r: r["rating"], NUMBER, width=8),
]

CLASSES = [
    Column(_("Class"), lambda r: r["training_class"].name, width=30),
    Column(_("Institution"), lambda r: r["training_class"].institution.unit.name, width=24),
    Column(_("Organizer"), lambda r: r["training_class"].organizer.unit.name, width=24),
    Column(_("end date"), lambda r: r["training_class"].end_date, DATE, width=12),
    *_FIGURES,
]

INSTITUTIONS = [
    Column(_("Institution"), lambda r: r["institution"].unit.name, width=24),
    *_FIGURES,
]

#: one class's sessions (rows of `feedback.selectors.session_lines`)
SESSIONS = [
    Column(_("date"), lambda r: r["session"].date, DATE, width=12),
    Column(_("Session"), lambda r: r["session"].title, width=30),
    Column(_("teacher"), lambda r: r["session"].teacher, width=14),
    Column(_("Answers"), lambda r: r["answers"], NUMBER, width=8),
    Column(_("Average score"), lambda r: r["score"], NUMBER, width=8),
]
