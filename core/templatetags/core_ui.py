"""`{% load core_ui %}`: what any page shows the same way, whatever app it belongs to.

`{{ user|person }}` names a person (全名), the login name only when no name is recorded;
`{% page_query "page" 2 %}` is a pager's link (core/_pager.html)."""

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


@register.simple_tag(takes_context=True)
def page_query(context, param: str, number) -> str:
    """`?…`: the current query with `param` set to `number` — a pager's link that keeps
    the page's filters and the pages of its other lists."""
    query = context["request"].GET.copy()
    query[param] = number
    return f"?{query.urlencode()}"
