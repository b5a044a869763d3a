"""`{% load org_ui %}`: the organization's rules on its pages — who keeps cadre records,
the delegations a deputy has received. Each tag asks `org.policy` or `org.selectors`, as
the views and services do."""

from django import template

from org import policy, selectors

register = template.Library()


def _user(context):
    request = context.get("request")
    return getattr(request, "user", None)


@register.simple_tag(takes_context=True)
def may_edit_cadre(context, cadre=None):
    """`org.policy.may_edit_cadre`: a dispatcher or the unit's liaison keeps the record
    (of this cadre, or — without one — of some cadre in reach)."""
    user = _user(context)
    return bool(user and user.is_authenticated and policy.may_edit_cadre(user, cadre))


@register.simple_tag(takes_context=True)
def delegations_received(context):
    """Delegations to this user that run today or start later (not revoked):
    `org.selectors.delegations_received`."""
    user = _user(context)
    if not (user and user.is_authenticated):
        return []
    return list(selectors.delegations_received(user))
