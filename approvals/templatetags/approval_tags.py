"""`{% approval_details process %}`: the request, its decisions with their reasons and the
attachment's link, on every page of an approval (task pages and the process page);
`{% approval_panels approval_request %}`: what the domain apps show beside it
(`approvals.panels`)."""

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

register = template.Library()


@register.inclusion_tag("approvals/_details.html", takes_context=True)
def approval_details(context, process):
    from approvals.views import request_context

    return {**request_context(process), "request": context.get("request")}


@register.simple_tag(takes_context=True)
def approval_panels(context, approval_request):
    from approvals.panels import panels_for

    request = context.get("request")
    user = getattr(request, "user", None)
    from approvals.models import ApprovalRequest

    if not isinstance(approval_request, ApprovalRequest):
        return ""  # a page without a request (the variable is missing or empty)
    if user is None or not user.is_authenticated:
        return ""
    # Each panel is a rendered template (escaped by the template engine itself).
    return mark_safe(  # noqa: S308
        "".join(
            render_to_string(name, panel_context, request=request)
            for name, panel_context in panels_for(approval_request, user)
        )
    )
