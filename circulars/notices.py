"""Who hears about an issued circular: the heads and liaisons of every unit it counts.

Each function is called inside the transaction of the business change it announces, with
a key that names the event, so a retried step never notifies anyone twice. Recipients
are chosen by jurisdiction: the people whose grants cover the unit concerned.
"""

from django.utils import formats
from django.utils.translation import gettext as _

from core.i18n import in_site_language
from dispatch.notices import heads, liaisons
from notifications.models import Event
from notifications.services import notify

#: what the dispatchers hear of an attendance corrected after a circular counted it
CORRECTED_TEMPLATE = "circulars/events/attendance_corrected.txt"


def attendance_corrected_after_circular(dispatch, *, before: str, after: str, key: str):
    """A recorded attendance corrected (考勤更正) that a circular already issued counted
    (its department's jurisdiction holds the unit, its period the class's first day):
    the dispatchers of each such department hear it once, naming the circulars, since
    the issued figures no longer match. Nothing when no issued circular counted it."""
    from circulars.models import Circular, CircularStatus
    from org.selectors import users_reaching

    circulars = list(
        Circular.objects.filter(
            status=CircularStatus.ISSUED,
            period_start__lte=dispatch.training_class.start_date,
            period_end__gte=dispatch.training_class.start_date,
        )
        .select_related("org_department__jurisdiction")
        .order_by("pk")
    )
    counted = [
        c for c in circulars if dispatch.unit.path.startswith(c.org_department.jurisdiction.path)
    ]
    if not counted:
        return
    recipients: dict[int, object] = {}
    for circular in counted:
        for user in users_reaching(circular.org_department.jurisdiction, "issue_dispatch"):
            recipients[user.pk] = user
    notify(
        event=Event.ATTENDANCE_CORRECTED,
        template=CORRECTED_TEMPLATE,
        recipients=list(recipients.values()),
        key=f"{key}:circulars",
        context={
            "cadre_name": dispatch.cadre.name,
            "unit_name": dispatch.unit.name,
            "class_name": dispatch.training_class.name,
            "before": before,
            "after": after,
            "document_numbers": "、".join(c.document_number or c.title for c in counted),
        },
        url=f"/documents/{counted[-1].document_id}/" if counted[-1].document_id else "",
    )


def circular_issued(circular, document):
    """The heads and liaisons of every unit the circular counts, its own figures or
    those of the classes earlier circulars counted in progress (上期未结班次)."""
    from org.models import Unit

    figures = circular.figures
    rows = [*figures.get("units", []), *(figures.get("carried") or {}).get("units", [])]
    recipients: dict[int, object] = {}
    for unit in Unit.objects.filter(pk__in={row["unit_id"] for row in rows}):
        for user in heads(unit) + liaisons(unit):
            recipients[user.pk] = user
    notify(
        event=Event.CIRCULAR_ISSUED,
        recipients=list(recipients.values()),
        key=f"document:{document.pk}:circular",
        context={
            "notice_title": document.title,
            "document_number": document.document_number,
            "period": period_text(circular.period_start, circular.period_end),
        },
        document=document,
        url=f"/documents/{document.pk}/",
    )


@in_site_language
def period_text(start, end) -> str:
    """A circular's period, e.g. 2026年1月1日至2026年3月31日."""
    return _("%(start)s to %(end)s") % {
        "start": formats.date_format(start),
        "end": formats.date_format(end),
    }
