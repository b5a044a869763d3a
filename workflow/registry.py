"""The flows of the project, registered by the apps that own them (in their `ready()`),
so the /workflow/ site, 我的待办 and the process links know every flow without importing
the domain apps that define them."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Registration:
    flow_class: type
    icon: str
    order: int


_flows: dict[type, Registration] = {}
_applications: list = []


def register_flow(flow_class, *, icon: str, order: int) -> None:
    """Show `flow_class` in the /workflow/ site's menu at position `order`."""
    _flows[flow_class] = Registration(flow_class, icon, order)


def register_application(application) -> None:
    """A Viewflow `Application` (e.g. a read-only catalogue) shown before the flows."""
    if all(type(app) is not type(application) for app in _applications):
        _applications.append(application)


def flow_classes() -> list:
    """Every registered flow, in menu order."""
    return [r.flow_class for r in sorted(_flows.values(), key=lambda r: r.order)]


def registrations() -> list[Registration]:
    return sorted(_flows.values(), key=lambda r: r.order)


def applications() -> list:
    return list(_applications)


def flow_for(model) -> type | None:
    """The registered flow whose processes are about `model`'s rows (its artifact)."""
    for registration in _flows.values():
        if getattr(registration.flow_class, "artifact_model", None) is model:
            return registration.flow_class
    return None
