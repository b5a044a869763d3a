"""`{% load workflow_ui %}`: what every page shows of the work in the flows — the header's
links (`nav_for`), 我的待办 (`my_tasks`), a Viewflow process's data in words rather than
raw values, who may view or manage a process, the flow chart's labels, and messages
naming their task by its subject.

The header's links need no domain app's answer: the working pages need a jurisdiction
(`org.policy.require_reach`), the import page an import kind the user may use
(`imports.policy`); a page's own links (a roll call's, a class's) are in its app's
library. Each `may_*` check is the one the linked view makes, so a link is shown exactly
when following it does not end in 403."""

import re
import time
from decimal import Decimal
from urllib.parse import unquote

from django import template
from django.db import models
from django.template.defaultfilters import floatformat
from django.urls import Resolver404, resolve
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy

from core.templatetags.core_ui import person
from imports import policy as imports_policy
from org import selectors as org_selectors

register = template.Library()


def _user(context):
    request = context.get("request")
    return getattr(request, "user", None)


#: how long the header's links are kept in the session before they are looked up again
NAV_TTL_SECONDS = 300

_NAV_KEY = "xundiao_nav"


@register.simple_tag(takes_context=True)
def nav_for(context):
    """The header's links: the working pages need a jurisdiction (`org.policy.require_reach`
    in the views); a trainee gets home, messages and their own training record.

    Kept in the session for a few minutes, so that a page costs no query for its header
    (a role granted meanwhile shows in the header at the latest after NAV_TTL_SECONDS;
    the pages themselves check on every request)."""
    request = context.get("request")
    user = _user(context)
    if request is None or user is None or not user.is_authenticated:
        return {"reach": False, "own_cadre": None}
    session = getattr(request, "session", None)
    now = int(time.time())
    nav = session.get(_NAV_KEY) if session is not None else None
    fresh = nav and nav.get("user") == user.pk and 0 <= now - nav.get("at", 0) < NAV_TTL_SECONDS
    if not fresh or "sides" not in nav:
        # A grant's unit always exists: the grants remembered for the request answer it.
        reach = user.is_superuser or bool(org_selectors.grant_roots(user).get(org_selectors.READ))
        own_cadre = None if reach else org_selectors.own_cadre_pk(user)
        nav = {"user": user.pk, "at": now, "reach": reach, "own_cadre": own_cadre}
        # The organizers' pages (roll calls, plans, surveys) and the classes' pages only
        # for those whose reach can ever list something there.
        nav["sides"] = org_selectors.reach_sides(user) if reach else {}
        # The import page's link: for whoever may import some kind (imports.kinds).
        nav["imports"] = imports_policy.may_import_any(user)
        if session is not None:
            session[_NAV_KEY] = nav
    return {
        "reach": nav["reach"],
        "own_cadre": nav["own_cadre"],
        "imports": nav["imports"],
        "organizer": nav["sides"].get("organizer", False),
        "classes": nav["sides"].get("organizer", False) or nav["sides"].get("institution", False),
        # the pages of the cadres' dispatches, hours and documents (a header remembered
        # before this side was: shown, as it was)
        "cadres": nav["sides"].get("cadres", True),
    }


@register.simple_tag(takes_context=True)
def my_tasks(context, limit=10):
    """The user's open tasks across every flow (see `workflow.mytasks`)."""
    from workflow import mytasks

    user = _user(context)
    if not (user and user.is_authenticated):
        return {"rows": [], "mine": 0, "queue": 0, "total": 0, "more": False}
    return mytasks.summary(user, limit=limit)


# -- a process's data on its page ------------------------------------------------------

#: fields never shown: Viewflow's plumbing and the raw JSON each row keeps for machines
_HIDDEN = {
    "flow_class",
    "data",
    "context",
    "parent_task",
    "artifact_content_type",
    "artifact_object_id",
    "seed_content_type",
    "seed_object_id",
    "subject_type",
    "subject_id",
}

_PROCESS_STATUS = {
    "NEW": lambda: pgettext("process status", "In progress"),
    "DONE": lambda: pgettext("process status", "Completed"),
    "CANCELED": lambda: pgettext("process status", "Cancelled"),
}


def _label(field) -> str:
    label = str(field.verbose_name)
    return label[:1].upper() + label[1:]


def _display(obj, field):
    """A field's value as people read it: choice labels, the model's own label map
    (`get_<field>_label`, e.g. a makeup's reason), names for people, 是/否 for flags;
    None for what is not shown (raw JSON, empty values)."""
    name = field.name
    if name in _HIDDEN or isinstance(field, models.JSONField):
        return None
    if isinstance(field, models.ForeignKey | models.OneToOneField):
        value = getattr(obj, name, None)
        if value is None:
            return None
        if hasattr(value, "get_full_name"):
            return person(value)
        return str(value)
    value = getattr(obj, name, None)
    if value is None or value == "":
        return None
    if isinstance(field, models.BooleanField):
        return _("Yes") if value else _("No")
    if isinstance(field, models.FileField):
        return value.name.rsplit("/", 1)[-1] if value else None
    if hasattr(obj, f"get_{name}_display") and field.choices:
        return getattr(obj, f"get_{name}_display")()
    if hasattr(obj, f"get_{name}_label"):
        return getattr(obj, f"get_{name}_label")()
    if isinstance(value, dict | list):
        return None
    if isinstance(value, Decimal | float):
        return floatformat(value, -1)  # 16, 0, 7.5 — not 16.0 and 0.0
    return value


def _rows(obj, skip=()):
    for field in obj._meta.fields:
        if isinstance(field, models.AutoField) or field.auto_created or field.name in skip:
            continue
        value = _display(obj, field)
        if value is not None:
            yield _label(field), value


def _status_rows(process):
    """The process's status and times. They are named as the process's: its subject has a
    status and a creation time of its own."""
    status = _PROCESS_STATUS.get(process.status)
    rows = [
        (pgettext("process panel", "Process status"), status() if status else process.status),
        (pgettext("process panel", "Process started"), process.created),
    ]
    if process.finished:
        rows.append((pgettext("process panel", "Process closed"), process.finished))
    return rows


@register.simple_tag
def process_rows(process):
    """(label, value) rows for the side panel of a process page: the process's status
    and times, then its subject's fields — without raw ids, content types or JSON.
    The whole subject: only for those who may view the process (`panel_rows`)."""
    rows = _status_rows(process)
    rows.extend(_rows(process, skip={"status", "created", "finished"}))
    artifact = process.artifact if process.artifact_object_id else None
    if artifact is not None:
        rows.extend(_rows(artifact))
    return rows


def _step_details(context, process):
    """What the step of the task page being shown tells its holder about its subject:
    its task view's `details` (workflow.task_views.TaskFormView), e.g. the cadre, unit
    and class of an attendance to record; nothing for a step without such a view."""
    request = context.get("request")
    activation = getattr(request, "activation", None)
    task = getattr(activation, "task", None)
    if task is None or task.process_id != process.pk:
        return []
    view = getattr(activation.flow_task, "view", None)
    view_class = getattr(view, "view_class", None)
    if view_class is None or not hasattr(view_class, "details"):
        return []
    step = view_class(**getattr(view, "view_initkwargs", {}))
    step.setup(request)
    subject = step.subject()
    return list(step.details(subject)) if subject is not None else []


@register.simple_tag(takes_context=True)
def panel_rows(context, process, may_view=None):
    """The side panel's rows for this user. Whoever may view the process (the rule of
    its page, `may_view_process`) reads the whole of it (`process_rows`). A task holder
    who may not — a registrar recording attendance, a trainee acknowledging a notice —
    reads the process's status and what their own step shows them (the step's
    `details`, unless the page lists them already), never the rest of the subject: a
    request's kind, reason and attachment, who made it, where a notice was signed.
    `may_view`: `may_view_process`'s answer, when the page has asked it already."""
    if may_view is None:
        may_view = may_view_process(context, process)
    if may_view:
        return process_rows(process)
    rows = _status_rows(process)
    if not context.get("details"):
        rows.extend(_step_details(context, process))
    return rows


@register.simple_tag(takes_context=True)
def may_manage_process(context, process):
    """Viewflow's manage actions (cancel a process) — `has_manage_permission` of the
    process's flow, which only administrators hold."""
    user = _user(context)
    if not (user and user.is_authenticated) or process.flow_class is None:
        return False
    return process.flow_class.instance.has_manage_permission(user, process)


@register.simple_tag(takes_context=True)
def may_view_process(context, process):
    """The process page and its chart are open to this user (`has_view_permission` of
    the flow, on the process's scope). A registrar or a trainee works on a task of a
    dispatch without reading the whole dispatch."""
    user = _user(context)
    if not (user and user.is_authenticated) or process.flow_class is None:
        return False
    return process.flow_class.instance.has_view_permission(user, process)


@register.filter
def task_scope(task):
    """Who may take the task, in words: the unit its permission is held on."""
    obj = getattr(task, "owner_permission_obj", None)
    return str(obj) if obj is not None else ""


#: the labels Viewflow's If gateway puts on its two outgoing edges in the flow chart
_CHART_LABELS = {
    "yes": pgettext_lazy("flow chart gateway", "yes"),
    "no": pgettext_lazy("flow chart gateway", "no"),
}


@register.filter
def chart_label(label):
    """An edge's label in the flow chart (SVG and BPMN), in words of the catalogue."""
    if not label:
        return label
    return _CHART_LABELS.get(str(label), label)


_MESSAGE_LINK = re.compile(r'<a href="([^"]+)">#(\d+)</a>')


@register.filter
def with_subject(message):
    """Viewflow's messages name a task or process by its number ("已认领该事项。#5"); this
    names it by its subject and keeps the link as 查看 (in the messages above the page's
    content). Messages without such a link are left as they are."""
    text = str(message)
    match = _MESSAGE_LINK.search(text)
    if match is None:
        return message
    try:
        kwargs = resolve(unquote(match.group(1))).kwargs
    except Resolver404:
        return message
    from viewflow.workflow.models import Process, Task

    subject = None
    if "task_pk" in kwargs:
        task = Task.objects.filter(pk=kwargs["task_pk"]).first()
        subject = task.brief if task is not None else None
    elif "process_pk" in kwargs:
        process = Process.objects.filter(pk=kwargs["process_pk"]).first()
        subject = process.coerced.brief if process is not None else None
    if not subject:
        return message
    before = text[: match.start()].rstrip().rstrip("。.")
    return format_html(
        '{}：{} <a href="{}">{}</a>{}',
        _unescaped(before),
        subject,
        match.group(1),
        _("View"),
        _unescaped(text[match.end() :]),
    )


def _unescaped(html):
    """Text of a message part that format_html escapes again (it was escaped once)."""
    from html import unescape

    return unescape(html)
