"""Who hears about approvals: the people whose grants reach a step's scope unit
(`org.selectors.users_reaching`) and who may decide it (`approvals.policy.may_decide`)."""

from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from approvals import policy
from approvals.models import Decision
from core.formatting import format_date
from core.i18n import in_site_language
from notifications.models import Event
from notifications.reminders import offsets, reminder_due
from notifications.services import Entry, notify, notify_each
from org.roles import ESCALATION_PERMISSION
from org.selectors import users_reaching
from workflow import links, registry


def holders(permission: str, scope):
    codename = permission.split(".", 1)[1]
    return list(users_reaching(scope, codename))


def deciding(permission: str, step):
    """Holders of `permission` on the step's scope who may decide it: not the applicant
    nor the cadre the request is about, nor their deputies (`policy.may_decide`)."""
    return [user for user in holders(permission, step.scope) if policy.may_decide(user, step)]


def process_url(request) -> str:
    """The request's approval process page (its steps, comments and history): approvers,
    the requester's unit and the dispatchers may open it within their jurisdiction; the
    approval queue while the process has not started."""
    url = links.process_url(request)
    if url is None:
        url = registry.flow_for(type(request)).instance.reverse("queue")
    return url


def _context(request) -> dict:
    return {"reason": request.reason, **request.context}


def waiting(request, step):
    """A decision waits: everyone who may take the step."""
    notify(
        event=Event.APPROVAL_WAITING,
        recipients=deciding(step.permission, step),
        key=f"approval:{request.pk}:step:{step.pk}",
        context=_context(request),
        url=process_url(request),
    )


def decided(request, *, also: dict | None = None):
    """The request is settled: the person who asked, with the deciding reason if any and
    what the subject's domain made of it (`also`, see `approvals.signals`) —
    unless they asked about themselves (a trainee's own request at 签收, a cadre's hour
    recognition): the approval's page is not theirs to open, and their domain tells them
    as the cadre, linked to their training record (`decided_to_cadre`,
    `dispatch.notices.decision_to_trainee`): one message, not two."""
    if request.requested_by_id is None:
        return
    if request.cadre_id and request.cadre.user_id == request.requested_by_id:
        return
    notify(
        event=Event.DECISION_MADE,
        recipients=[request.requested_by],
        key=f"approval:{request.pk}:decided",
        context={
            **_context(request),
            "decision": request.get_status_display(),
            "comment": deciding_comment(request),
            **(also or {}),
        },
        url=process_url(request),
    )


def decided_to_cadre(request, *, url: str) -> None:
    """The request is settled: the cadre it is about, when they have an account, whether
    or not they asked it themselves (`decided` leaves that to this message). `url` is a
    page the cadre may open (their training record): the approval's is not theirs. A
    domain that tells its trainee in its own words (a dispatch's,
    `dispatch.notices.decision_to_trainee`) does not call it."""
    user = request.cadre.user if request.cadre_id else None
    if user is None:
        return
    notify(
        event=Event.DECISION_MADE,
        recipients=[user],
        key=f"approval:{request.pk}:decided:trainee",
        context={
            **request.context,
            "decision": request.get_status_display(),
            "comment": deciding_comment(request),
        },
        url=url,
    )


def deciding_comment(request) -> str:
    """The reason given in the round that settled the request (its latest), '' when that
    round's deciders gave none: a reason from an earlier round (a send-back answered
    since) is not the answer to this one."""
    steps = request.steps.exclude(decision=Decision.PENDING)
    last_round = steps.aggregate(last=Max("round"))["last"]
    last = steps.filter(round=last_round).exclude(comment="").order_by("-decided_at", "-pk").first()
    return last.comment if last else ""


def _opened_at(step):
    """When the step's window opened: its request was made, or the decision before it
    (the head's, or the send-back that began its round) was taken."""
    earlier = (
        step.request.steps.exclude(decision=Decision.PENDING)
        .filter(Q(round__lt=step.round) | Q(round=step.round, stage__lt=step.stage))
        .aggregate(last=Max("decided_at"))["last"]
    )
    return max(filter(None, (step.request.created_at, earlier)))


def reminders(steps, *, key: str) -> None:
    """Decisions due soon (`services.steps_remind`): everyone who may take one of `steps`
    (as `waiting`) gets ONE message naming all of theirs — the request alone, linked to
    its page, when there is one; else how many, each on its own line with its due
    moment, linked to 我的待办. A step whose every reminder slot (3 or 1 days before
    its due moment) came before its window opened is left out: its own message on
    opening said as much."""
    now = timezone.now()
    mine: dict = {}
    holders_of: dict = {}  # one reach query per (permission, scope), not per step
    for step in steps:
        slot = reminder_due(step.due_at, now, since=_opened_at(step))
        if slot is None and offsets():
            continue
        scope_key = (step.permission, step.scope_type_id, step.scope_id)
        if scope_key not in holders_of:
            holders_of[scope_key] = holders(step.permission, step.scope)
        for user in holders_of[scope_key]:
            if policy.may_decide(user, step):
                mine.setdefault(user, []).append((step, slot))
    notify_each(
        event=Event.REMINDER,
        entries=[
            _reminder_entry(user, sorted(due, key=_soonest), key) for user, due in mine.items()
        ],
    )


def _soonest(pair):
    return (pair[0].due_at, pair[0].pk)


@in_site_language
def _reminder_entry(user, due, key) -> Entry:
    first, slot = due[0]
    context = {
        "due": timezone.localtime(first.due_at),
        "days_left": slot.offset_days if slot else 0,
    }
    if len(due) == 1:
        context["subject"] = first.request.title
        return Entry(user, key, context, process_url(first.request))
    context["subject"] = _how_many(len(due))
    # Each on its line, with its due moment where they differ (the first line's is the
    # message's own).
    same_due = len({step.due_at for step, _slot in due}) == 1
    context["lines"] = [_line(step, with_due=not same_due) for step, _slot in due]
    return Entry(user, key, context, reverse("task_list"))


def _how_many(count: int) -> str:
    return ngettext("%(count)d approval", "%(count)d approvals", count) % {"count": count}


def _line(step, *, with_due: bool) -> str:
    """A step on its line of a message naming several: its request, its authority, and
    its due moment when `with_due`."""
    names = {"subject": step.request.title, "authority": step.label}
    if not with_due:
        return _("%(subject)s (%(authority)s)") % names
    due = format_date(timezone.localtime(step.due_at), "DATETIME_FORMAT")
    return _("%(subject)s (%(authority)s), due %(due)s") % {**names, "due": due}


def escalations(steps, *, key: str) -> None:
    """Overdue (`services.steps_escalate`): whoever may take each step by the escalation
    (the dispatchers of its scope, of its own department for an organization
    department's step, who are not recused) — or, when none may, whoever may still take
    it, so that the message always reaches someone who can act (the dispatcher who made
    the request is recused; the unit's heads still decide it). Each gets ONE message: of
    one step as it always read, naming its authority (which department's decision is
    overdue), linked to its page; of several, how many and a line each, linked to
    我的待办."""
    mine: dict = {}
    for step in steps:
        for user in deciding(ESCALATION_PERMISSION, step) or deciding(step.permission, step):
            mine.setdefault(user, []).append(step)
    notify_each(
        event=Event.ESCALATION,
        entries=[_escalation_entry(user, overdue, key) for user, overdue in mine.items()],
    )


@in_site_language
def _escalation_entry(user, steps, key) -> Entry:
    if len(steps) > 1:
        return Entry(
            user,
            key,
            {
                "subject": _how_many(len(steps)),
                "lines": [_line(step, with_due=step.due_at is not None) for step in steps],
            },
            reverse("task_list"),
        )
    [step] = steps
    request = step.request
    return Entry(
        user,
        f"approval:{request.pk}:step:{step.pk}:escalated",
        {
            "subject": _("%(subject)s (%(authority)s)")
            % {"subject": request.title, "authority": step.label},
            "cadre_name": request.context.get("cadre_name", ""),
            "unit_name": request.context.get("unit_name", ""),
            "due": timezone.localtime(step.due_at) if step.due_at else "",
        },
        process_url(request),
    )
