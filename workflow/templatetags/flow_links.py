"""`{% start_url "FilingFlow" as url %}`: the start page of a registered flow, when this user
may start it (the start node's `can_execute`), else ''."""

from django import template

from workflow import registry

register = template.Library()


@register.simple_tag(takes_context=True)
def start_url(context, flow_name: str) -> str:
    from workflow.flowlist import start_links

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    for flow_class in registry.flow_classes():
        if flow_class.__name__ == flow_name:
            links = start_links(flow_class, user)
            return links[0][1] if links else ""
    return ""
