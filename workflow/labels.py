"""How the audit trail names a workflow task."""

import html

from django.utils.encoding import force_str


def task_label(task) -> str:
    """How the audit trail names a task: its step's title and its subject, as 我的待办
    shows them ("单位负责人审核 · …"), in the active language — not Viewflow's repr of
    the flow, node, id and a status the event may have changed."""
    title = force_str(task.title or "")
    subject = html.unescape(force_str(task.brief or "")).strip()
    if not subject or subject == title:
        return title[:255]
    return f"{title} · {subject}"[:255]
