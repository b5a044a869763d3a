"""What a domain app shows beside a decision: a template and its context, registered in the
app's `ready()` (approvals never imports a domain app). The dispatch app shows the cadre's
hours against the indicators and their past dispatches, which a head needs to decide."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Panel:
    template_name: str
    #: `context(approval_request, user) -> dict | None` (None: nothing to show this user)
    context: Callable


_panels: list[Panel] = []


def register_request_panel(template_name: str, context: Callable) -> None:
    """Show `template_name` on every page of an approval, with `context(request, user)`."""
    if all(panel.template_name != template_name for panel in _panels):
        _panels.append(Panel(template_name, context))


def panels_for(approval_request, user) -> list[tuple[str, dict]]:
    """(template, context) of each registered panel that has something for this user."""
    result = []
    for panel in _panels:
        context = panel.context(approval_request, user)
        if context is not None:
            result.append((panel.template_name, context))
    return result
