"""`{% load core_ui %}`: what any page shows the same way, whatever app it belongs to.

`{{ user|person }}` names a person (全名), the login name only when no name is recorded."""

from django import template

register = template.Library()


@register.filter
def person(user):
    """A person's name (全名), the login name only when no name is recorded."""
    if user is None or user == "":
        return ""
    if hasattr(user, "get_full_name"):
        return user.get_full_name() or user.get_username()
    return str(user)
