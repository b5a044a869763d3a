"""Where a person lands after a task, and what they are told: a message naming what was
done, then the list they came from (`?back=`, set by the links of 我的待办) or the home
page with its 我的待办 — never Viewflow's process page unless they ask for it."""

from urllib.parse import urlencode

from django.contrib import messages
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from viewflow.workflow.status import STATUS

# Viewflow's start nodes: a person's start form, and a start by code.
START_TYPES = ("HUMAN_START", "START")


def is_own(request, url: str) -> bool:
    """`url` leads to a page of this site."""
    return url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


def back_url(request) -> str:
    """The page the person came from (a path of this site, '' when none is known)."""
    url = request.POST.get("back") or request.GET.get("back") or ""
    if url and url.startswith("/") and is_own(request, url):
        return url
    return ""


def with_back(url: str, request) -> str:
    """`url` carrying on the page to come back to."""
    back = back_url(request)
    if not back:
        return url
    return f"{url}{'&' if '?' in url else '?'}{urlencode({'back': back})}"


def next_url(request, flow_class) -> str:
    """After a task (or a claim): the form of the user's next task of the same process when
    they chose 继续, else the list they came from, else home (我的待办)."""
    activation = getattr(request, "activation", None)
    if activation is not None and "_continue" in request.POST:
        task = activation.task
        if task.status == STATUS.DONE:
            task = flow_class.task_class._default_manager.next_user_task(
                activation.process, request.user
            )
        if task is not None and task.status == STATUS.ASSIGNED and task.owner_id == request.user.pk:
            url = task.flow_task.reverse("execute", args=[task.process_id, task.pk])
            return with_back(url, request)
    return back_url(request) or "/"


def done_message(request, activation, outcome: str = "") -> None:
    """The success message naming what was done: the task, its outcome if any, and its
    subject (「单位负责人审批」已办理（同意）：张三：请假（…）). A start step has no brief
    of its own (Viewflow's falls back to the step's title): its subject is what it began,
    the new process's artifact (已办理“调训专员发起点名调训”：全市专题培训班（点名调训）)."""
    task = activation.task
    process = activation.process
    if task.flow_task.task_type in START_TYPES and process.artifact_object_id:
        subject = str(process.artifact)
    else:
        subject = str(task.brief or process.brief or "")
    title = str(task.flow_task.task_title or task.flow_task.name)
    if outcome:
        text = _("“%(task)s” done (%(outcome)s): %(subject)s") % {
            "task": title,
            "outcome": outcome,
            "subject": subject,
        }
    else:
        text = _("“%(task)s” done: %(subject)s") % {"task": title, "subject": subject}
    messages.success(request, text, fail_silently=True)
