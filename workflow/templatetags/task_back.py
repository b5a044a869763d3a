"""`{% back_field %}`: a task form's hidden field naming the page the person came from (the
`?back=` carried on from a claim, or the page that linked to the form), so that after the
task they return to it (`workflow.after`)."""

from urllib.parse import urlsplit

from django import template
from django.utils.html import format_html

from workflow import after

register = template.Library()


def came_from(request) -> str:
    back = after.back_url(request)
    if back:
        return back
    referer = request.META.get("HTTP_REFERER", "")
    if not referer or not after.is_own(request, referer):
        return ""
    parts = urlsplit(referer)
    if (
        parts.path == request.path
        or "/workflow/" in parts.path
        and ("/assign/" in parts.path or "/execute/" in parts.path)
    ):
        return ""
    return parts.path + (f"?{parts.query}" if parts.query else "")


@register.simple_tag(takes_context=True)
def back_field(context):
    request = context.get("request")
    back = came_from(request) if request is not None else ""
    if not back:
        return ""
    return format_html('<input type="hidden" name="back" value="{}">', back)
