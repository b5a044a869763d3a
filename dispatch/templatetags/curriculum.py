"""The curriculum block of the class page: the sessions (a page of them), the shares of
the class's hours against the teaching indicators in force, and whether the reader may
add sessions. A handful of queries however many sessions."""

from types import SimpleNamespace

from django import template
from django.core.paginator import Paginator
from django.db.models import Sum

from dispatch import teaching

register = template.Library()

SESSIONS_PER_PAGE = 100


@register.inclusion_tag("dispatch/_curriculum.html", takes_context=True)
def class_curriculum(context, training_class):
    request = context.get("request")
    user = getattr(request, "user", None)
    sessions = training_class.sessions.order_by("date", "id")
    page = Paginator(sessions, SESSIONS_PER_PAGE).get_page(
        request.GET.get("sessions_page") if request else None
    )
    # The indicators are measured over every session, summed in the database.
    sums = [
        SimpleNamespace(**row)
        for row in sessions.order_by()
        .values("content", "method", "by_leading_cadre")
        .annotate(hours=Sum("hours"))
    ]
    return {
        "training_class": training_class,
        "page": page,
        "scheduled": sum((s.hours for s in sums), 0),
        "checks": teaching.teaching_checks(
            sums, training_class.credit_hours, training_class.start_date
        ),
        # (a cancelled class keeps its curriculum as it was: `class_session_save` refuses)
        "may_edit": user is not None
        and training_class.cancelled_at is None
        and teaching.may_edit_curriculum(user, training_class),
        "waiver": teaching.waiver_reason(training_class),
    }
