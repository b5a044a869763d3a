"""Who approves — the one place that answers it.

A request not to attend (leave, deferral, exemption) climbs two stages:
1. the department head of the cadre's unit (or a deputy they delegated to);
2. the managing organization department; for a dual-managed cadre the managing and the
   co-managing departments decide **in parallel**, and one rejection rejects.

The caller (the dispatch domain) passes the scope objects; this module decides the
shape of the chain, which permission each authority must hold on its scope, and who may
decide a step (`may_decide`): nobody decides a request they made or a request about
themselves (separation of duties, 回避), nor two steps of one request in one round; an
overdue organization department's step escalates to that department's own dispatchers.
The same rule keeps every other decision in the project from its maker
(`may_decide_own`): a survey answer, a circular, a plan. A subject's own domain may
refuse that a request about it be approved (`approval_refusal`).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, F, Model, OuterRef, Q, QuerySet, Value
from django.db.models.lookups import StartsWith
from django.utils import timezone
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

from approvals.models import ApprovalStep, Decision
from org.models import Cadre, Delegation, UnitGroupObjectPermission, UnitUserObjectPermission
from org.policy import nearest_org_department
from org.roles import ESCALATION_PERMISSION, HEAD_PERMISSION, NON_INHERITED, ORG_PERMISSION

HEAD_STAGE = 1
ORG_STAGE = 2


@dataclass(frozen=True)
class Authority:
    stage: int
    label: str
    permission: str
    scope: Model


def approval_chain(*, unit: Model, org_departments: list[tuple[str, Model]]) -> list[Authority]:
    """The authorities that must approve a request about a cadre of `unit`.

    `org_departments` holds (name, jurisdiction root) of the managing organization
    department and, for a dual-managed cadre, of the co-managing one.
    """
    if not org_departments:
        raise ValueError("a cadre always has a managing organization department")
    head_label = _("Department head of %(unit)s") % {"unit": unit}
    chain = [Authority(HEAD_STAGE, str(head_label), HEAD_PERMISSION, unit)]
    for name, root in org_departments:
        chain.append(Authority(ORG_STAGE, name, ORG_PERMISSION, root))
    return chain


def approving_departments(cadre) -> list:
    """The organization departments that decide a request about `cadre`: the managing
    one and, for a dual-managed cadre, the co-managing one (in parallel)."""
    departments = [cadre.managing_org_department]
    if cadre.co_managing_org_department_id:
        departments.append(cadre.co_managing_org_department)
    return departments


def chain_for_cadre(cadre, *, unit=None) -> list[Authority]:
    """Who approves a request about `cadre` (leave, deferral, exemption, hour
    recognition): the head of `unit` (the cadre's unit unless the request names the unit
    of a dispatch), then `approving_departments`. Every flow that starts an approval asks
    this."""
    return approval_chain(
        unit=unit or cadre.unit,
        org_departments=[(str(od), od.jurisdiction) for od in approving_departments(cadre)],
    )


# -- what the subject's own domain refuses to approve -----------------------------------

_approval_checks: dict[type, Callable] = {}


def register_approval_check(model: type[Model], check: Callable) -> None:
    """Before anyone approves a request about a `model` instance, ask `check(subject)`:
    the refusal its domain gives (say, the ledger holds the hours already), or None.
    Registered in the domain app's `ready()`: approvals never imports a domain app."""
    _approval_checks[model] = check


def approval_refusal(request) -> str | None:
    """Why `request` may not be approved now, as its subject's domain says
    (`register_approval_check`), or None. Rejecting or sending back stays open. The
    decision service refuses an approval with it; the decision page shows it."""
    subject = request.subject
    check = _approval_checks.get(type(subject)) if subject is not None else None
    return check(subject) if check is not None else None


# -- separation of duties (回避) --------------------------------------------------------


def _excluded(requested_by_id, cadre) -> frozenset[int]:
    cadre_user_id = None
    if cadre is not None:
        cadre_user_id = (
            cadre.user_id
            if isinstance(cadre, Cadre)
            else Cadre.objects.filter(pk=cadre).values_list("user_id", flat=True).first()
        )
    return frozenset(pk for pk in (requested_by_id, cadre_user_id) if pk is not None)


def excluded_deciders(request) -> frozenset[int]:
    """The user ids that may not decide `request`, whatever roles or delegations they
    hold: the person who made it and the cadre it is about (their user account)."""
    return _excluded(request.requested_by_id, request.cadre_id)


def excluded_deciders_of(requests) -> dict[int, frozenset[int]]:
    """`excluded_deciders` of several requests, in one query ({request id: user ids})."""
    cadre_users = dict(
        Cadre.objects.filter(pk__in={r.cadre_id for r in requests if r.cadre_id})
        .order_by()  # a lookup: not the cadre list's order, which joins the units
        .values_list("pk", "user_id")
    )
    return {
        r.pk: frozenset(pk for pk in (r.requested_by_id, cadre_users.get(r.cadre_id)) if pk)
        for r in requests
    }


def _holders(permission: str, scope, *, inherited: bool | None = None) -> QuerySet:
    """Active users granted `permission` on the unit `scope` (or on a unit above it, when
    the permission flows down the tree: unless it is `NON_INHERITED`, or `inherited` says
    otherwise) in their own right — directly or through a group; a deputy's delegated
    authority is not their own."""
    codename = permission.split(".", 1)[1]
    if inherited is None:
        inherited = codename not in NON_INHERITED

    def covering(grants):
        grants = grants.filter(
            permission__codename=codename, permission__content_type__app_label="org"
        )
        if not inherited:
            return grants.filter(content_object=scope)
        return grants.filter(StartsWith(Value(scope.path), F("content_object__path")))

    direct = covering(UnitUserObjectPermission.objects.filter(user=OuterRef("pk")))
    via_group = covering(UnitGroupObjectPermission.objects.filter(group__user=OuterRef("pk")))
    return (
        get_user_model().objects.filter(is_active=True).filter(Exists(direct) | Exists(via_group))
    )


def _running_delegations(user) -> QuerySet:
    """The delegations under which `user` acts today (not revoked, today within dates)."""
    today = timezone.localdate()
    return Delegation.objects.filter(
        delegate=user, revoked=False, starts_on__lte=today, ends_on__gte=today
    )


def _delegators(user, permission: str, scope, *, inherited: bool | None = None) -> QuerySet:
    """Those for whom `user` holds `permission` on `scope` by a running delegation."""
    return _holders(permission, scope, inherited=inherited).filter(
        pk__in=_running_delegations(user).filter(permission=permission).values("delegator")
    )


def _step_authorities(step) -> list[tuple[str, bool | None]]:
    """The (permission, reaches down the tree?) pairs by which `step` is decided: its own
    permission (as the permission flows), and once it is overdue and escalated the
    dispatchers' too. An organization department's step escalates to the dispatchers of
    that department (granted on its jurisdiction itself), not to those of a department
    above whose reach covers it: the city's dispatchers never stand in for the county's
    department, so dual management still takes two authorities."""
    authorities = [(step.permission, None)]
    if step.escalated:
        authorities.append((ESCALATION_PERMISSION, step.permission != ORG_PERMISSION))
    return authorities


def _step_permissions(step) -> list[str]:
    return [permission for permission, _inherited in _step_authorities(step)]


def _holds_step(user, step, excluded) -> bool:
    """Whether `user` holds one of the step's authorities on its scope in their own right,
    or by a running delegation from someone who is not `excluded`."""
    for permission, inherited in _step_authorities(step):
        if not user.has_perm(permission, step.scope):
            continue
        if user.is_superuser:
            return True
        holders = _holders(permission, step.scope, inherited=inherited)
        if holders.filter(pk=user.pk).exists():
            return True
        delegators = _delegators(user, permission, step.scope, inherited=inherited)
        if delegators.exclude(pk__in=excluded).exists():
            return True
    return False


def _round_decisions(step):
    """The other steps of `step`'s request and round already decided."""
    return (
        ApprovalStep.objects.filter(request_id=step.request_id, round=step.round)
        .exclude(pk=step.pk)
        .exclude(decision=Decision.PENDING)
    )


def decided_another_step(user, step) -> bool:
    """Has `user` decided another step of `step`'s request in the same round (themselves,
    or a deputy in their name)? Nobody decides two steps of one request in one round: the
    head's approval and the department's, or the two departments of a dual-managed
    cadre, are always two people's."""
    return (
        user.is_authenticated
        and _round_decisions(step).filter(Q(decided_by=user) | Q(on_behalf_of=user)).exists()
    )


def may_decide(user, step) -> bool:
    """May `user` decide this approval step? Whoever holds the step's permission on its
    scope (a deputy while a head's delegation runs; once the step is overdue and
    escalated, the dispatchers: of the step's own department for an organization
    department's step, `_step_authorities`) — but never the person who made the request
    nor the cadre it is about, nor someone who decided another step of the request in
    the same round; and a deputy's authority is the delegator's: a deputy may not use it
    for a request that excludes the delegator. The flow's tasks, the decision service and
    the pages all ask this."""
    if not user.is_authenticated:
        return False
    excluded = excluded_deciders(step.request)
    if user.pk in excluded:
        return False
    return _holds_step(user, step, excluded) and not decided_another_step(user, step)


def acting_for(user, step):
    """The person in whose name `user` decides `step`: None when they hold its authority
    themselves (or are a superuser), else a delegator whose authority on the step they
    use — never one the request excludes (a head recused from their own request)."""
    if user.is_superuser:
        return None
    excluded = excluded_deciders(step.request)
    for permission, inherited in _step_authorities(step):
        if _holders(permission, step.scope, inherited=inherited).filter(pk=user.pk).exists():
            return None
    for permission, inherited in _step_authorities(step):
        delegators = _delegators(user, permission, step.scope, inherited=inherited)
        delegator = delegators.exclude(pk__in=excluded).order_by("pk").first()
        if delegator is not None:
            return delegator
    return None


def is_recused(user, step) -> bool:
    """Is `user` kept from deciding this step by the separation of duties — the applicant,
    the cadre the request is about, a deputy whose authority on the step is only that of
    one of them, or someone holding the step's authority who decided another step of the
    request in this round? (The pages tell them why, and who decides instead.)"""
    if not user.is_authenticated or may_decide(user, step):
        return False
    excluded = excluded_deciders(step.request)
    if user.pk in excluded or _acts_for_excluded(user, step, excluded):
        return True
    return decided_another_step(user, step) and _holds_step(user, step, excluded)


def _acts_for_excluded(user, step, excluded) -> bool:
    """Whether `user` holds one of the step's permissions by a running delegation from an
    excluded person (a deputy of the head who is the cadre concerned)."""
    return (
        _running_delegations(user)
        .filter(delegator__in=excluded, permission__in=_step_permissions(step))
        .exists()
    )


def recused_among(user, requests: dict, step_of) -> set:
    """The keys of `requests` ({key: request}, e.g. a page of tasks) whose step
    (`step_of(key)`) `user` is recused from — `is_recused` for a list, in three queries:
    the step is read only where `user` is a deputy of someone the request excludes
    (whether they act for another too is that step's question), or decided a step of the
    request (whether in the step's round is that step's question)."""
    excluded = excluded_deciders_of(list(requests.values()))
    acting_for_ids = set(_running_delegations(user).values_list("delegator", flat=True))
    decided = _decided_by(user, list(requests.values()))
    recused = set()
    for key, request in requests.items():
        people = excluded.get(request.pk, frozenset())
        if user.pk in people:
            recused.add(key)
        elif (people & acting_for_ids or request.pk in decided) and is_recused(user, step_of(key)):
            recused.add(key)
    return recused


def _decided_by(user, requests) -> set[int]:
    """The ids of `requests` with a step `user` decided, or decided on someone's behalf:
    read from their steps when the page loaded them already (`prefetch_related("steps")`,
    as 我的待办's tasks do), else in one query."""
    if all("steps" in getattr(r, "_prefetched_objects_cache", {}) for r in requests):
        return {
            r.pk
            for r in requests
            if any(user.pk in (s.decided_by_id, s.on_behalf_of_id) for s in r.steps.all())
        }
    return set(
        ApprovalStep.objects.filter(request__in=[r.pk for r in requests])
        .filter(Q(decided_by=user) | Q(on_behalf_of=user))
        .values_list("request_id", flat=True)
    )


def deciders(step) -> list:
    """The people who decide the step in their own right, the excluded left out (their
    deputies decide with them), and so is whoever decided another step of the request in
    this round."""
    excluded = excluded_deciders(step.request)
    users = get_user_model().objects.none()
    for permission, inherited in _step_authorities(step):
        users = users | _holders(permission, step.scope, inherited=inherited)
    decided = _round_decisions(step)
    return list(
        users.exclude(pk__in=excluded)
        .exclude(pk__in=decided.exclude(decided_by=None).values("decided_by"))
        .exclude(pk__in=decided.exclude(on_behalf_of=None).values("on_behalf_of"))
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def escalated_elsewhere(user, step) -> bool:
    """Is `step` an organization department's step escalated to that department's own
    dispatchers, and `user` a dispatcher whose reach covers its scope only from above
    (the city's, for the county's step)? They are told who takes it."""
    return (
        user.is_authenticated
        and step.escalated
        and step.permission == ORG_PERMISSION
        and not may_decide(user, step)
        and user.pk not in excluded_deciders(step.request)
        and user.has_perm(ESCALATION_PERMISSION, step.scope)
        and not _holders(ESCALATION_PERMISSION, step.scope, inherited=False)
        .filter(pk=user.pk)
        .exists()
    )


def org_step_units(user) -> set[int]:
    """The units (ids) on whose organization department's steps `user` may act in their
    own right, escalated or not: where they hold the department's approval or the
    dispatchers' permission granted on the unit itself (directly or through a group) —
    `escalated_elsewhere` for a list, in one query."""
    codenames = [p.split(".", 1)[1] for p in (ORG_PERMISSION, ESCALATION_PERMISSION)]
    direct = UnitUserObjectPermission.objects.filter(user=user)
    via_group = UnitGroupObjectPermission.objects.filter(group__user=user)
    units = (
        direct.filter(permission__codename__in=codenames)
        .values("content_object_id")
        .union(via_group.filter(permission__codename__in=codenames).values("content_object_id"))
    )
    return {row["content_object_id"] for row in units}


def refusal_message(step, user) -> str | None:
    """Why `user`, who might expect to, may not decide the pending `step`: recused
    (`recusal_message`), or the step escalated to another department's dispatchers
    (`escalated_elsewhere`); None otherwise."""
    if is_recused(user, step):
        return recusal_message(step, user)
    if escalated_elsewhere(user, step):
        names = "、".join(p.get_full_name() or p.username for p in deciders(step))
        return gettext_now(
            "Overdue, this step went to the dispatchers of the department that decides it: "
            "it is decided by %(authority)s (%(names)s)."
        ) % {"authority": step.label, "names": names or "—"}
    return None


def route_chain(chain: list[Authority], *, requested_by, cadre=None) -> list[Authority]:
    """`chain` with every authority that only an excluded person holds (the applicant,
    or the cadre the request is about) handed to the next authority: it stays with the
    unit's other heads if there are any, else it goes to the organization department —
    the holders of the escalation permission (the dispatchers) of the nearest one, whose
    jurisdiction holds the unit. The step keeps its unit as its scope, so the unit's
    people still see the request. An authority nobody holds is left as it is (the step's
    deadline escalates it)."""
    excluded = _excluded(getattr(requested_by, "pk", requested_by), cadre)
    routed = []
    for authority in chain:
        holders = _holders(authority.permission, authority.scope)
        if (
            not holders.filter(pk__in=excluded).exists()
            or holders.exclude(pk__in=excluded).exists()
        ):
            routed.append(authority)
            continue
        department = nearest_org_department(authority.scope)
        label = gettext_now("%(department)s, for the recused %(authority)s") % {
            "department": department or "",
            "authority": authority.label,
        }
        routed.append(Authority(authority.stage, label, ESCALATION_PERMISSION, authority.scope))
    return routed


def recusal_message(step, user=None) -> str:
    """What a recused person is told: why they may not decide, and who decides. A deputy
    (`user` not excluded themselves) is told that the person they act for is recused."""
    names = "、".join(person.get_full_name() or person.username for person in deciders(step))
    values = {"authority": step.label, "names": names or "—"}
    if (
        user is not None
        and user.pk not in excluded_deciders(step.request)
        and decided_another_step(user, step)
    ):
        return (
            gettext_now(
                "You decided another step of this request in this round: nobody decides "
                "two steps of one request. It is decided by %(authority)s (%(names)s)."
            )
            % values
        )
    if user is not None and user.pk not in excluded_deciders(step.request):
        return (
            gettext_now(
                "The person you act for made this request or it is about them: under the "
                "recusal rule another authority decides it. It is decided by "
                "%(authority)s (%(names)s)."
            )
            % values
        )
    return (
        gettext_now(
            "You made this request or it is about you: under the recusal rule another "
            "authority decides it. It is decided by %(authority)s (%(names)s)."
        )
        % values
    )


# -- nobody decides what they made (回避), beyond approval requests ----------------------


def _maker_ids(made_by) -> frozenset[int]:
    """User ids from a user, a user id, or several of them (None left out)."""
    if made_by is None or isinstance(made_by, int | Model):
        made_by = [made_by]
    ids = (getattr(maker, "pk", maker) for maker in made_by)
    return frozenset(pk for pk in ids if pk is not None)


def may_decide_own(user, made_by, *, permission: str | None = None, scope=None) -> bool:
    """May `user` decide something that `made_by` made (who answered, drafted or submitted
    it: a user, a user id, or several)? Never one of its makers — nor, given the
    `permission` on the unit `scope` that decides it, a deputy whose authority there is
    only a maker's delegation. Whether `user` holds the authority at all is the caller's
    own check; the system (None) decides anything."""
    if user is None:
        return True
    makers = _maker_ids(made_by)
    if user.pk in makers:
        return False
    if permission is None or scope is None or user.is_superuser:
        return True
    if _holders(permission, scope).filter(pk=user.pk).exists():
        return True
    delegators = _delegators(user, permission, scope)
    return not delegators.exists() or delegators.exclude(pk__in=makers).exists()


def own_recusal_message() -> str:
    """What a maker (or their deputy) is told when deciding what they made."""
    return gettext_now(
        "You, or the person you act for, drafted or submitted this: under the recusal "
        "rule another authority decides it."
    )


def require_not_own(actor, made_by, *, permission: str | None = None, scope=None) -> None:
    """`may_decide_own`, or refused with `own_recusal_message`."""
    if not may_decide_own(actor, made_by, permission=permission, scope=scope):
        raise PermissionDenied(own_recusal_message())
