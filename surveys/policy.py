"""Who may decide a unit's answer to a survey: the unit's department head — never the
person who submitted it, even when the liaison heads the unit too (回避,
`approvals.policy.may_decide_own`)."""

from approvals.policy import may_decide_own, require_not_own
from org.policy import require_any
from org.roles import HEAD_PERMISSION


def may_decide_answer(user, answer) -> bool:
    """May `user`, holding the head's permission on the answer's unit, decide it? Not who
    submitted it, nor a deputy acting only for them (asked by the approval task)."""
    return may_decide_own(
        user, answer.submitted_by_id, permission=HEAD_PERMISSION, scope=answer.unit
    )


def require_not_own_answer(actor, answer) -> None:
    """`may_decide_answer`, or refused with the recusal message."""
    require_not_own(actor, answer.submitted_by_id, permission=HEAD_PERMISSION, scope=answer.unit)


def require_answer_decider(actor, answer) -> None:
    """The head of the answer's unit decides it, but not the one who submitted it."""
    require_any(actor, ("approve_as_head",), answer.unit)
    require_not_own_answer(actor, answer)
