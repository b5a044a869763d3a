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
