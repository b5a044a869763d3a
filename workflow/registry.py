"""The flows of the project, registered by the apps that own them (in their `ready()`),
so the /workflow/ site, 我的待办 and the process links know every flow without importing
the domain apps that define them — and the to-dos that are not a flow's tasks (an
evaluation to fill in), shown in 我的待办 beside them."""

from collections.abc import Callable
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


@dataclass(frozen=True)
class TodoSource:
    """To-dos of one kind that are no Viewflow task, each the user's own: `count(user)`
    how many are open, `rows(user, limit)` the first `limit` of them as `mytasks.TodoRow`s
    (oldest or most urgent first)."""

    name: str
    count: Callable
    rows: Callable


_todo_sources: dict[str, TodoSource] = {}


def register_todos(source: TodoSource) -> None:
    _todo_sources[source.name] = source


def todo_sources() -> list[TodoSource]:
    return list(_todo_sources.values())
