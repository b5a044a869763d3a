"""`{% load dispatch_ui %}`: dispatch's own links on dispatch's pages (templates/dispatch/
only; the site-wide tags are in `core_ui`, `org_ui` and `workflow_ui`).

Each `may_*` asks the predicate of `dispatch.policy` that the linked view (or the flow's
start node) asks, so a link is shown exactly when following it does not end in 403."""

from django import template

from dispatch import policy

register = template.Library()


def _user(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


@register.simple_tag(takes_context=True)
def may_issue_roll_call(context):
    """RollCallFlow's start (`/workflow/rollcall/start/`) and a new class are open to this
    user: `dispatch.policy.may_issue_roll_call`."""
    user = _user(context)
    return bool(user and policy.may_issue_roll_call(user))


@register.simple_tag(takes_context=True)
def may_suggest_candidates(context, training_class):
    """`views.class_candidates` opens: `dispatch.policy.may_suggest_candidates`."""
    user = _user(context)
    return bool(user and policy.may_suggest_candidates(user, training_class))


@register.simple_tag(takes_context=True)
def may_manage_roll_call(context, roll_call):
    """`views.roll_call_acknowledgements` opens and the roll call may be cancelled
    (`services.rollcall.roll_call_cancel`): `dispatch.policy.may_manage_roll_call`."""
    user = _user(context)
    return bool(user and policy.may_manage_roll_call(user, roll_call))
