"""Who may reassign a stuck task — one rule, in a Python form for one task (the reassign
page and service) and an SQL form for a list of rows (the overdue list's "may reassign"
column), both made from `reassign_units`, so they cannot drift apart."""

from django.db.models import Exists, OuterRef, QuerySet

from org import selectors as org_selectors
from org.policy import DISPATCHER_PERMISSION


def task_scope(task):
    """The unit whose jurisdiction the task's process belongs to (its flow's scope)."""
    return task.flow_task.flow_class.instance.scope_of(task.process)


def reassign_units(user) -> QuerySet:
    """The units whose tasks `user` may reassign: a dispatcher's jurisdiction."""
    return org_selectors.units_in_reach(user, DISPATCHER_PERMISSION)


def may_reassign_in(user, unit) -> bool:
    """May `user` reassign a task scoped to `unit`?"""
    return unit is not None and reassign_units(user).filter(pk=unit.pk).exists()


def may_reassign(user, task) -> bool:
    """May `user` hand `task` to someone else? A dispatcher over the task's scope may."""
    return may_reassign_in(user, task_scope(task))


def may_reassign_exists(user, unit_ref: str) -> Exists:
    """`may_reassign_in` as an SQL condition on the outer row, whose unit (the scope of its
    process's tasks) is the column `unit_ref` — one subquery for a whole list."""
    return Exists(reassign_units(user).filter(pk=OuterRef(unit_ref)))
