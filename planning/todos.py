"""Seats a published plan offers a partner department (对口支援) are its dispatchers'
to-do, though no flow's task: each offered line still open for nominations is listed in
我的待办 (`workflow.registry.TodoSource`) until its seats are filled, its roll call has
started or its dispatch date has come."""

from django.db.models import Count, F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from org.policy import is_dispatcher
from org.selectors import units_in_reach
from planning.models import PlanLine, PlanStatus
from workflow.mytasks import TodoRow
from workflow.registry import TodoSource


def open_offers(user):
    """Lines of published plans offering seats to a department whose dispatcher the user
    is, still open for nominations: dispatch date after today, no roll call started,
    fewer nominations than the seats offered; annotated with `nominated`. None for a
    user without a dispatcher's grant (an administrator too)."""
    if user.is_superuser or not is_dispatcher(user):
        return PlanLine.objects.none()
    units = units_in_reach(user, "issue_dispatch")
    return (
        PlanLine.objects.active()
        .filter(
            plan__status=PlanStatus.PUBLISHED,
            partner__unit__in=units,
            partner_seats__gt=0,
            dispatch_date__gt=timezone.localdate(),
            roll_call_started_at__isnull=True,
        )
        .annotate(nominated=Count("partner_nominations"))
        .filter(nominated__lt=F("partner_seats"))
    )


def count(user) -> int:
    """One query (none for a user who dispatches nowhere)."""
    return open_offers(user).count()


def rows(user, limit: int) -> list[TodoRow]:
    lines = (
        open_offers(user)
        .select_related("plan__org_department__unit")
        .order_by("dispatch_date", "pk")[:limit]
    )
    return [
        TodoRow(
            title=_("Nominate into the offered seats"),
            subject=_("%(name)s (%(department)s): %(left)d of %(seats)d offered seats open")
            % {
                "name": line.name,
                "department": line.plan.org_department.unit.name,
                "left": line.partner_seats - line.nominated,
                "seats": line.partner_seats,
            },
            flow_title=_("Dispatch plan"),
            due=line.dispatch_date,
            url=reverse("planning:nominate", args=[line.pk]),
        )
        for line in lines
    ]


OFFERED_SEATS = TodoSource(name="planning.offered_seats", count=count, rows=rows)
