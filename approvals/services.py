"""Writes on approval requests. Every function is atomic and audited."""

from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Max, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals import notices, policy
from approvals.models import ApprovalRequest, ApprovalStep, Decision, RequestStatus
from approvals.policy import HEAD_STAGE, ORG_STAGE, Authority
from approvals.signals import decision_made
from audit.services import record_event, snapshot
from core.deadlines import deadline_in
from core.validation import check_reason_length
from org.models import Cadre
from org.selectors import units_in_reach


@transaction.atomic
def request_create(
    *,
    actor,
    kind: str,
    subject,
    title: str,
    reason: str,
    chain: list[Authority],
    attachment=None,
    due_at=None,
    context=None,
    cadre=None,
) -> ApprovalRequest:
    """Open a request for `subject`, to be decided by the authorities of `chain`. Each
    step has its own decision window from when its stage opens (`step_window`), never
    past `due_at`, the latest moment the caller gives (say, the eve of the class; None:
    no limit). The request is about
    `cadre` (default: the subject's `cadre`, as a dispatch or an hour record has one); an
    authority only the applicant or that cadre holds goes to the next one
    (`policy.route_chain`)."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Please give a reason for the request.")})
    check_reason_length(reason)
    if cadre is None:
        cadre = getattr(subject, "cadre", None)
    if not isinstance(cadre, Cadre):
        cadre = None
    chain = policy.route_chain(chain, requested_by=actor, cadre=cadre)
    request = ApprovalRequest.objects.create(
        cadre=cadre,
        kind=kind,
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=subject.pk,
        title=title[:255],
        reason=reason.strip(),
        attachment=attachment or "",
        requested_by=actor,
        due_at=due_at,
        context=context or {},
    )
    _create_round(request, chain, round_number=1)
    record_event(actor=actor, verb="approval.request", target=request, after=snapshot(request))
    return request


def step_window(request, now=None):
    """When a step of `request` whose stage opens `now` is due: at the close of business
    `XUNDIAO_APPROVAL_DAYS` days on (`core.deadlines`), at the latest by the request's own
    limit (`due_at`), and never less than an hour from now (a stage that opens late still
    gets its hour)."""
    now = now or timezone.now()
    due = deadline_in(settings.XUNDIAO_APPROVAL_DAYS, now=now)
    if request.due_at is not None:
        due = min(due, request.due_at)
    return max(due, now + timedelta(hours=1))


def _create_round(request, chain, round_number):
    """The steps of a new round; its first stage opens now (`step_window`), the others
    when the stage before them is through (`step_open`)."""
    first = min(authority.stage for authority in chain)
    due_at = step_window(request)
    ApprovalStep.objects.bulk_create(
        ApprovalStep(
            request=request,
            stage=authority.stage,
            label=authority.label[:128],
            permission=authority.permission,
            scope_type=ContentType.objects.get_for_model(authority.scope),
            scope_id=authority.scope.pk,
            round=round_number,
            due_at=due_at if authority.stage == first else None,
        )
        for authority in chain
    )


@transaction.atomic
def step_open(*, step: ApprovalStep) -> ApprovalStep:
    """The step's stage has opened (its task was created): its decision window starts
    now (`step_window`), unless it is open already (the first stage of a round)."""
    step = ApprovalStep.objects.select_for_update().get(pk=step.pk)
    if step.due_at is not None or step.decision != Decision.PENDING:
        return step
    before = snapshot(step)
    step.due_at = step_window(step.request)
    step.save(update_fields=["due_at"])
    record_event(
        actor=None,
        verb="approval.step.open",
        target=step.request,
        before=before,
        after=snapshot(step),
        note=step.label,
    )
    return step


def current_round(request) -> int:
    return request.steps.aggregate(r=Max("round"))["r"] or 1


def current_steps(request, stage: int) -> list[ApprovalStep]:
    return list(
        request.steps.filter(round=current_round(request), stage=stage)
        .select_related("scope_type")
        .order_by("id")
    )


def step_due(stage: int, index: int):
    """Where the deadline of a decision task is (`workflow.dues`): the `index`-th step of
    `stage` in the request's current round, as `current_steps` finds it — a function of
    the outer reference to the request's key, giving the step's `due_at`."""

    def due_at(request_pk):
        latest = (
            ApprovalStep.objects.filter(request_id=OuterRef("request_id"))
            .order_by("-round")
            .values("round")[:1]
        )
        steps = ApprovalStep.objects.filter(
            request_id=request_pk, stage=stage, round=Subquery(latest)
        )
        return Subquery(steps.order_by("id").values("due_at")[index : index + 1])

    return due_at


def can_decide(user, step: ApprovalStep) -> bool:
    """The step's authority decides; once the step is overdue and escalated, so may the
    holders of the escalation permission (the dispatchers); never the applicant or the
    cadre the request is about (`policy.may_decide`)."""
    return policy.may_decide(user, step)


@transaction.atomic
def step_decide(*, actor, step: ApprovalStep, decision: str, comment: str = "") -> ApprovalStep:
    """Record one authority's decision: approve, reject, or send back to the earlier step.
    Approving is refused while the subject's domain refuses it (`policy.approval_refusal`:
    e.g. the ledger has come to hold the hours a recognition asks for)."""
    step = ApprovalStep.objects.select_for_update().get(pk=step.pk)
    if step.decision != Decision.PENDING:
        raise ValidationError(_("This step has already been decided."))
    if not can_decide(actor, step):
        raise PermissionDenied(
            policy.refusal_message(step, actor) or _("You may not decide this request.")
        )
    if decision not in (Decision.APPROVED, Decision.REJECTED, Decision.SENT_BACK):
        raise ValidationError({"decision": _("Choose approve, reject or send back.")})
    if decision == Decision.APPROVED and (refusal := policy.approval_refusal(step.request)):
        raise ValidationError({"decision": refusal})
    if decision != Decision.APPROVED and not (comment or "").strip():
        raise ValidationError({"comment": _("Please give the reason for this decision.")})
    check_reason_length(comment, field="comment")
    before = snapshot(step)
    step.decision = decision
    step.comment = (comment or "").strip()
    step.decided_by = actor
    # In whose name: a deputy's delegator, never one the request excludes.
    step.on_behalf_of = policy.acting_for(actor, step)
    step.decided_at = timezone.now()
    step.save()
    record_event(
        actor=actor,
        verb=f"approval.step.{decision}",
        target=step.request,
        before=before,
        after=snapshot(step),
    )
    return step


def refusal_detail(subject) -> tuple | None:
    """The row a correction page shows above its form when the subject's latest request
    was turned down (`latest_refusal`): ("Previous request", what, by whom and why)."""
    refusal = latest_refusal(subject)
    if refusal is None:
        return None
    return (
        _("Previous request"),
        _("%(kind)s: %(decision)s by %(authority)s — %(comment)s")
        % {
            "kind": refusal.request.kind_label,
            "decision": refusal.get_decision_display(),
            "authority": refusal.label,
            "comment": refusal.comment,
        },
    )


def stage_outcome(request, stage: int) -> str:
    """Rejected if any step rejected, sent back if any sent back, approved if all approved."""
    decisions = {step.decision for step in current_steps(request, stage)}
    for outcome in (Decision.REJECTED, Decision.SENT_BACK, Decision.PENDING):
        if outcome in decisions:
            return outcome
    return Decision.APPROVED


@transaction.atomic
def round_restart(*, request) -> None:
    """An org department sent the request back: the department head decides again."""
    steps = request.steps.filter(round=current_round(request)).order_by("stage", "id")
    chain = [Authority(s.stage, s.label, s.permission, s.scope) for s in steps]
    _create_round(request, chain, current_round(request) + 1)
    record_event(actor=None, verb="approval.round_restart", target=request)


@transaction.atomic
def request_settle(*, request: ApprovalRequest) -> ApprovalRequest:
    """Close the request from its steps' decisions and announce the result."""
    request = ApprovalRequest.objects.select_for_update().get(pk=request.pk)
    head = stage_outcome(request, HEAD_STAGE)
    if head == Decision.SENT_BACK:
        status = RequestStatus.RETURNED
    elif head == Decision.REJECTED:
        status = RequestStatus.REJECTED
    else:
        org = stage_outcome(request, ORG_STAGE)
        status = RequestStatus.APPROVED if org == Decision.APPROVED else RequestStatus.REJECTED
    before = snapshot(request)
    request.status = status
    request.decided_at = timezone.now()
    request.save(update_fields=["status", "decided_at"])
    for step in request.steps.filter(round=current_round(request), decision=Decision.PENDING):
        # A parallel department had not decided yet when the other rejected: its task is
        # cancelled with the request settled.
        record_event(
            actor=None,
            verb="approval.step.cancel",
            target=request,
            before=snapshot(step),
            note=step.label,
        )
    record_event(
        actor=None,
        verb=f"approval.{status}",
        target=request,
        before=before,
        after=snapshot(request),
    )
    # The subject's domain acts first (a dispatch deferred, a makeup owed); what it
    # answers goes into the requester's message.
    also: dict = {}
    for _receiver, answer in decision_made.send(sender=ApprovalRequest, request=request):
        if isinstance(answer, dict):
            also.update(answer)
    notices.decided(request, also=also)
    return request


def requests_visible_to(user):
    """Requests whose department-head scope the user reaches, or the scope (jurisdiction)
    of one of its deciding organization departments: a co-managing department sees what
    it decides even about a cadre outside its jurisdiction (a read, kept beside the
    policy so the rule lives in one place)."""
    reach = units_in_reach(user)
    return ApprovalRequest.objects.filter(
        pk__in=ApprovalStep.objects.filter(scope_id__in=reach.values("pk")).values("request")
    )


def decision_history(request) -> list[ApprovalStep]:
    """Every decision taken on the request, round by round, with who took it and why."""
    return list(
        request.steps.exclude(decision=Decision.PENDING)
        .select_related("decided_by", "on_behalf_of")
        .order_by("round", "stage", "decided_at", "id")
    )


def latest_refusal(subject) -> ApprovalStep | None:
    """The decision that turned down the subject's latest request (rejected, or sent back
    to the applicant), or None when its latest request was not turned down."""
    request = (
        ApprovalRequest.objects.filter(
            subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk
        )
        .order_by("-created_at", "-id")
        .first()
    )
    if request is None or request.status not in (RequestStatus.REJECTED, RequestStatus.RETURNED):
        return None
    decision = Decision.REJECTED if request.status == RequestStatus.REJECTED else Decision.SENT_BACK
    step = (
        request.steps.filter(decision=decision)
        .select_related("request", "decided_by")
        .order_by("-round", "-decided_at", "-id")
        .first()
    )
    return step


def takes_part(user, request) -> bool:
    """Whether the user asked, decided a step, or may decide an open step now (a deputy,
    or a dispatcher once the step escalated) — people who read the request even when
    its unit lies outside their reading jurisdiction."""
    if not user.is_authenticated:
        return False
    if user.is_superuser or request.requested_by_id == user.pk:
        return True
    steps = list(request.steps.select_related("scope_type"))
    if any(step.decided_by_id == user.pk for step in steps):
        return True
    if request.status != RequestStatus.PENDING:
        return False
    latest = max((step.round for step in steps), default=1)
    return any(
        step.round == latest and step.decision == Decision.PENDING and can_decide(user, step)
        for step in steps
    )


#: at most this many steps are reminded, or escalated, in one batch (the rest with the
#: next timer)
BATCH = 500


def _waiting_steps(**filters):
    """Pending steps of their request's current round (a step of a round sent back waits
    for nothing), the request still pending, claimed under row locks that skip the
    steps another batch holds (`FOR UPDATE SKIP LOCKED` on PostgreSQL)."""
    latest = ApprovalStep.objects.filter(request=OuterRef("request")).order_by("-round")
    return (
        ApprovalStep.objects.filter(
            decision=Decision.PENDING, request__status=RequestStatus.PENDING, **filters
        )
        .alias(latest_round=Subquery(latest.values("round")[:1]))
        .filter(round=F("latest_round"))
        .select_related("request", "scope_type")
        .select_for_update(skip_locked=True, of=("self",))
    )


def _batch(waiting, step, others) -> list[ApprovalStep]:
    """`step` first, if `waiting` holds it, then up to BATCH - 1 of `others`."""
    lead = list(waiting.filter(pk=step.pk))
    if not lead:
        return []
    return lead + list(others.exclude(pk=step.pk).order_by("due_at", "pk")[: BATCH - 1])


@transaction.atomic
def steps_remind(*, step: ApprovalStep) -> int:
    """`step`'s reminder is due (its flow's timer fired): remind whoever may take it —
    and, in the same message, of every other pending step whose reminder is due by now
    and was not sent yet, so that a head with six leave requests due tomorrow gets one
    reminder naming six, not six (`notices.reminders`). Each step is reminded once (its
    `reminded_at`); two timers firing at once never remind one step twice (the steps
    are claimed under row locks, skipping those another batch holds). Returns how many
    steps this batch reminded."""
    now = timezone.now()
    soon = now + timedelta(hours=settings.XUNDIAO_REMINDER_BEFORE_HOURS)
    waiting = _waiting_steps(reminded_at__isnull=True, due_at__gt=now)
    claimed = _batch(waiting, step, waiting.filter(due_at__lte=soon))
    ApprovalStep.objects.filter(pk__in=[s.pk for s in claimed]).update(reminded_at=now)
    for claimed_step in claimed:
        record_event(
            actor=None, verb="approval.remind", target=claimed_step.request, note=claimed_step.label
        )
    if claimed:
        notices.reminders(claimed, key=f"approval:reminders:{step.pk}")
    return len(claimed)


@transaction.atomic
def steps_escalate(*, step: ApprovalStep) -> list[ApprovalStep]:
    """The decision is overdue (its flow's timer fired): flag the step escalated, and
    with it every other pending step past its due moment and not escalated yet, so that
    each dispatcher hears of all of theirs in ONE message (`notices.escalations`). The
    flow of each hands its own task on when its timer fires (the step found escalated).
    Returns the steps this batch escalated: none when `step` was decided, escalated
    already (or by a batch running now), or not yet overdue (a timer of an earlier
    round, or of a due moment moved since)."""
    now = timezone.now()
    waiting = _waiting_steps(escalated=False)
    lead = waiting.filter(Q(due_at__isnull=True) | Q(due_at__lte=now))
    claimed = _batch(lead, step, waiting.filter(due_at__lte=now))
    ApprovalStep.objects.filter(pk__in=[s.pk for s in claimed]).update(escalated=True)
    for claimed_step in claimed:
        claimed_step.escalated = True
        record_event(
            actor=None,
            verb="approval.escalate",
            target=claimed_step.request,
            note=claimed_step.label,
        )
    if claimed:
        notices.escalations(claimed, key=f"approval:escalations:{step.pk}")
    return claimed


@transaction.atomic
def request_cancel(*, actor, request: ApprovalRequest, reason: str) -> ApprovalRequest:
    """The subject went away (e.g. its roll call was cancelled): close the request and its
    undecided steps, with the reason. Nothing is announced as a decision."""
    request = ApprovalRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != RequestStatus.PENDING:
        return request
    before = snapshot(request)
    request.status = RequestStatus.CANCELLED
    request.decided_at = timezone.now()
    request.save(update_fields=["status", "decided_at"])
    request.steps.filter(decision=Decision.PENDING).update(comment=reason[:1000])
    record_event(
        actor=actor,
        verb="approval.cancel",
        target=request,
        before=before,
        after=snapshot(request),
        note=reason,
    )
    return request


@transaction.atomic
def requests_due_advance(*, actor, requests, latest, reason: str) -> list[ApprovalRequest]:
    """The pending `requests` due after `latest` are due at `latest` from now on (never
    less than an hour from now, nor later than they were), and so are their open steps
    (`ApprovalStep.due_at`): their subject moved earlier (a class's new dates). Each
    change is audited with `reason`; the changed requests are returned (their flows'
    timers follow them: `approvals.flows.rearm_deadlines`)."""
    due_at = max(latest, timezone.now() + timedelta(hours=1))
    changed = []
    pending = ApprovalRequest.objects.select_for_update().filter(
        pk__in=[r.pk for r in requests], status=RequestStatus.PENDING
    )
    for request in pending.order_by("pk"):
        moved = False
        if request.due_at is None or due_at < request.due_at:
            before = snapshot(request)
            request.due_at = due_at
            request.save(update_fields=["due_at"])
            record_event(
                actor=actor,
                verb="approval.due_advance",
                target=request,
                before=before,
                after=snapshot(request),
                note=reason,
            )
            moved = True
        steps = request.steps.select_for_update().filter(
            round=current_round(request), decision=Decision.PENDING, due_at__gt=due_at
        )
        for step in steps.order_by("pk"):
            before = snapshot(step)
            step.due_at = due_at
            step.save(update_fields=["due_at"])
            record_event(
                actor=actor,
                verb="approval.step.due_advance",
                target=request,
                before=before,
                after=snapshot(step),
                note=reason,
            )
            moved = True
        if moved:
            changed.append(request)
    return changed
