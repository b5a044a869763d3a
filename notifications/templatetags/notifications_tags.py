from django import template
from django.urls import NoReverseMatch, reverse

from notifications.selectors import unread_count

register = template.Library()


@register.inclusion_tag("notifications/_badge.html", takes_context=True)
def inbox_badge(context):
    """The inbox link with the unread count, for the page header. Renders nothing when
    the inbox URLs are not installed or nobody is logged in."""
    request = context.get("request")
    user = getattr(request, "user", None)
    try:
        url = reverse("notifications:inbox")
    except NoReverseMatch:
        url = ""
    if not url or not getattr(user, "is_authenticated", False):
        return {"url": ""}
    return {"url": url, "count": unread_count(user)}
