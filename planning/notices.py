"""Who hears about a plan's consultation: the consultee's answerers before the deadline,
the plan's dispatchers when it lapses. Called inside the transaction of the change."""

from django.utils import timezone
from django.utils.translation import gettext as _

from core.i18n import in_site_language
from notifications.models import Event
from notifications.services import notify
from org import selectors as org_selectors
from planning.policy import consultation_permission


@in_site_language
def _subject(consultation) -> str:
    return _("Consultation on %(plan)s") % {"plan": consultation.plan}


def consultation_reminder(consultation):
    notify(
        event=Event.REMINDER,
        recipients=list(
            org_selectors.users_reaching(
                consultation.unit, consultation_permission(consultation.unit)
            )
        ),
        key=f"plan-consultation:{consultation.pk}:remind",
        context={"subject": _subject(consultation), "due": timezone.localtime(consultation.due)},
        # 我的待办: a consultee (a unit's head, a partner's dispatcher) cannot open the plan
        url="/tasks/",
    )


def consultation_lapsed(consultation):
    department = consultation.plan.org_department
    notify(
        event=Event.ESCALATION,
        recipients=list(org_selectors.users_reaching(department.jurisdiction, "issue_dispatch")),
        key=f"plan-consultation:{consultation.pk}:lapsed",
        context={"subject": _subject(consultation), "due": timezone.localtime(consultation.due)},
        url=f"/plans/{consultation.plan_id}/",
    )
