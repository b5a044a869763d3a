"""`{% approval_details process %}`: the request, its decisions with their reasons and the
attachment's link, on every page of an approval (task pages and the process page)."""

from django import template

register = template.Library()


@register.inclusion_tag("approvals/_details.html")
def approval_details(process):
    from approvals.views import request_context

    return request_context(process)
