"""Who may decide a unit's answer to a survey: the unit's department head — never the
person who submitted it, even when the liaison heads the unit too (回避,
`approvals.policy.may_decide_own`); one survey a year per organization department."""

from django.utils import timezone
from django.utils.translation import gettext as _

from approvals.policy import may_decide_own, require_not_own
from core.formatting import format_date
from org.policy import require_any
from org.roles import HEAD_PERMISSION
from surveys.models import Survey


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


def survey_twin(org_department, year) -> Survey | None:
    """The needs survey `org_department` has already opened for `year`, if any."""
    return Survey.objects.filter(org_department=org_department, year=year).order_by("pk").first()


def survey_twin_refusal(org_department, year) -> str | None:
    """Why `org_department` cannot open a needs survey for `year`: it has one already — a
    department surveys its units once a year, and a twin (a double click, two dispatchers
    at once) would split the units' answers between two surveys. Held by the database
    (the constraint `survey_once_a_year`). None when it may."""
    twin = survey_twin(org_department, year)
    if twin is None:
        return None
    return _("The needs survey for this year already exists: “%(title)s”, opened on %(date)s.") % {
        "title": twin.title,
        "date": format_date(timezone.localdate(twin.created_at)),
    }
