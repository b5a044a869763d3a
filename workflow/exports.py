"""The columns of every flow's lists when downloaded (see `core.exports`): its processes
and its task lists (all tasks, 待办, 待认领, 已办), and 我的待办 across the flows
(`workflow.mytasks`), with the page's headers, the subject and the status in the page's
words, dates as dates and numbers as numbers.

A subject is the flow's summary template rendered as the page renders it; the template
escapes HTML, which a spreadsheet cell must not show (`&amp;`), so it is unescaped here.
Subjects name no ID numbers (the flows' summaries are a cadre's name and a class, a
request's title …): nothing to mask."""

import html

from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.exports import DATE, NUMBER, Column, choice

#: a process's status in words: one still open reads 进行中, not the task status 待认领
#: that shares Viewflow's msgid "New" (the process list's status filter offers the same)
PROCESS_STATUS_CHOICES = [
    ("NEW", pgettext_lazy("process status", "In progress")),
    ("DONE", pgettext_lazy("process status", "Completed")),
    ("CANCELED", pgettext_lazy("process status", "Cancelled")),
]

SUBJECT = pgettext_lazy("list column", "Subject")


def shown(text) -> str:
    """A rendered summary as the page shows it: its HTML escapes undone."""
    return html.unescape(str(text)) if text is not None else ""


def process_status(process) -> str:
    return str(dict(PROCESS_STATUS_CHOICES).get(process.status, process.status))


def _flow_title(flow_class) -> str:
    return str(flow_class.process_title) if flow_class is not None else ""


def _task_flow_title(task) -> str:
    return _flow_title(task.flow_task.flow_class) if task.flow_task else ""


def owner_name(task) -> str:
    if task.owner_id is None:
        return ""
    return task.owner.get_full_name() or task.owner.get_username()


PROCESSES = [
    Column(_("No."), lambda p: p.pk, NUMBER, width=8),
    Column(SUBJECT, lambda p: shown(p.brief), width=40),
    Column(_("Flow"), lambda p: _flow_title(p.flow_class), width=12),
    Column(_("Status"), process_status, width=10),
    Column(_("Created"), lambda p: p.created, DATE, width=17),
    Column(_("Finished"), lambda p: p.finished, DATE, width=17),
    Column(_("Open tasks"), lambda p: p.active_tasks_count, NUMBER, width=8),
]


TASK = _("Task")


def task_columns(
    subject=lambda t: t.brief, task_header=TASK, title=lambda t: t.title
) -> list[Column]:
    """A task list's columns: the task's process number (the 编号 its filter takes), the
    step, the subject as the page's 内容 column reads it (`subject`: the task's summary,
    or its process's where the page shows that), the flow, the status, when it was
    created and finished, and who holds it."""
    return [
        Column(_("No."), lambda t: t.process_id, NUMBER, width=8),
        Column(task_header, title, width=24),
        Column(SUBJECT, lambda t: shown(subject(t)), width=40),
        Column(_("Flow"), _task_flow_title, width=12),
        Column(_("Status"), choice("status"), width=10),
        Column(_("Created"), lambda t: t.created, DATE, width=17),
        Column(_("Finished"), lambda t: t.finished, DATE, width=17),
        Column(_("Owner"), owner_name, width=14),
    ]


def step_columns(subject) -> list[Column]:
    """`task_columns` of a list whose page names the step (环节) and shows `subject`."""
    return task_columns(subject=subject, task_header=pgettext_lazy("list column", "Step"))


def recused_mark() -> str:
    """How a list marks a step the user is recused from (回避)."""
    return gettext("Recused: another authority decides it")


def my_task_state(row) -> str:
    """A row of 我的待办 (`workflow.mytasks.TaskRow` or `TodoRow`) as its 状态 cell reads."""
    if getattr(row, "recused", False):
        return recused_mark()
    return gettext("Assigned to you") if row.mine else gettext("Waiting to be claimed")


#: 我的待办 (/tasks/): the page's columns
MY_TASKS = [
    Column(TASK, lambda r: r.title, width=24),
    Column(SUBJECT, lambda r: shown(r.subject), width=40),
    Column(_("Flow"), lambda r: r.flow_title, width=12),
    Column(_("Due by"), lambda r: r.due, DATE, width=17),
    Column(_("State"), my_task_state, width=14),
]
