"""Pieces every flow's chart is built from."""

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow

#: the summary of a task or process: its subject (a dispatch, a request, a circular …)
SUBJECT = "{{ process.artifact }}"


def _call(method_name: str, step: str):
    """A node body that calls the flow's `method_name(activation, step)`."""

    def body(activation):
        return getattr(activation.flow_task.flow_class.instance, method_name)(activation, step)

    body.__name__ = f"{method_name}_{step}"
    return body


def deadline(step: str, *, due_at, then, who=None):
    """The deadline of the human task `step`, as three nodes to unpack into the flow under
    the names ``remind_<step>, <step>_due, escalate_<step>`` (Viewflow copies nodes when
    it builds the flow, so they link by name): remind (the flow's
    `remind(activation, step)`), wait until `due_at(activation)`, then escalate (the
    flow's `escalate(activation, step)`, which checks the step is still open) and go to
    `then`. A misnamed node fails when the flow class is built.

    The task starts the chain with a non-interrupting boundary, so the chart still reads
    top-down: ``.OnTimeout(reminder_at, this.remind_<step>, interrupting=False)``; a flow
    whose reminder waits on a timer of its own points that timer at the first node."""
    escalate = (
        flow.Function(_call("escalate", step))
        .Annotation(title=_("Escalate to the dispatchers"))
        .Next(then)
    )
    wait = (
        flow.Timer(due_at)
        .Annotation(title=_("Wait until due"))
        .Next(getattr(this, f"escalate_{step}"))
    )
    remind = (
        flow.Function(_call("remind", step))
        .Annotation(title=who or _("Remind"))
        .Next(getattr(this, f"{step}_due"))
    )
    return remind, wait, escalate
