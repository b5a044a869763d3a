"""Who hears about a plan's consultation, ONE message per recipient per event: the
consultees' answerers before the deadline (a head of three units allotted seats hears
once, naming the three), the plan's dispatchers when consultations lapse (once, naming
every unit that did not answer). Called inside the transaction of the change; each
consultation's timer calls, and a message names only the consultations no earlier
message of the round named to its recipient (`notifications.shares`)."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.i18n import in_site_language
from notifications.models import Event
from notifications.services import Entry, notify_each
from notifications.shares import Share, fresh_shares
from org import selectors as org_selectors
from planning.policy import consultation_permission


@in_site_language
def _subject(plan, consultations, *, lapsed: bool) -> str:
    names = {"plan": plan, "count": len(consultations)}
    if lapsed and len(consultations) == 1:
        return _("Consultation on %(plan)s: %(unit)s did not answer") % {
            **names,
            "unit": consultations[0].unit.name,
        }
    if lapsed:
        return (
            ngettext(
                "Consultation on %(plan)s: %(count)d unit did not answer",
                "Consultation on %(plan)s: %(count)d units did not answer",
                len(consultations),
            )
            % names
        )
    if len(consultations) == 1:
        return _("Consultation on %(plan)s") % names
    return (
        ngettext(
            "Consultation on %(plan)s: %(count)d unit to answer for",
            "Consultation on %(plan)s: %(count)d units to answer for",
            len(consultations),
        )
        % names
    )


def _context(plan, share, *, lapsed: bool) -> dict:
    context = {
        "subject": _subject(plan, share.objects, lapsed=lapsed),
        "due": timezone.localtime(share.objects[0].due),
        "items": share.items,
    }
    if lapsed or len(share.objects) > 1:
        context["lines"] = [consultation.unit.name for consultation in share.objects]
    return context


def consultation_reminders(plan, consultations, *, round_: int) -> list:
    """Before the deadline: everyone who answers one of the open `consultations` (of one
    round), once, naming those no reminder of the round named to them yet. Returns the
    consultations named."""
    reaching: dict = {}
    served: dict = {}
    for consultation in consultations:
        key = (consultation.unit_id, consultation_permission(consultation.unit))
        if key not in reaching:
            reaching[key] = list(org_selectors.users_reaching(consultation.unit, key[1]))
        for user in reaching[key]:
            served.setdefault(user.pk, (user, []))[1].append((consultation, str(consultation.pk)))
    shares = fresh_shares(f"plan:{plan.pk}:round:{round_}:remind:", "due", served)
    notify_each(
        event=Event.REMINDER,
        entries=[
            # 我的待办: a consultee (a unit's head, a partner's dispatcher) cannot open
            # the plan
            Entry(
                share.recipient, f"{share.key}:due", _context(plan, share, lapsed=False), "/tasks/"
            )
            for share in shares
        ],
    )
    named = {consultation.pk for share in shares for consultation in share.objects}
    return [consultation for consultation in consultations if consultation.pk in named]


def consultations_lapsed(plan, consultations) -> None:
    """The deadline passed: the plan's dispatchers, once, naming the units that did not
    answer (counted as no comment). `consultations` are one batch, claimed under locks
    (`services.consultations_lapse`): batches never overlap, so each has its own key (its
    first consultation's), and two batches at the same moment are two messages, not one
    lost to the other's key."""
    department = plan.org_department
    batch = sorted(consultations, key=lambda c: c.unit.path)
    first = min(consultation.pk for consultation in batch)
    entries = [
        Entry(
            user,
            f"plan:{plan.pk}:lapsed:{first}",
            _context(plan, Share(user, "", batch, [str(c.pk) for c in batch]), lapsed=True),
            f"/plans/{plan.pk}/",
        )
        for user in org_selectors.users_reaching(department.jurisdiction, "issue_dispatch")
    ]
    notify_each(
        event=Event.ESCALATION,
        entries=entries,
        template="notifications/events/consultation_lapsed.txt",
    )
