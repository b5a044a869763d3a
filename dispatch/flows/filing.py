"""Filing (报备): a unit reports a training it organized; the organization department
accepts it (hours credited), returns it for correction, or rejects it."""

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow

from dispatch import policy as dispatch_policy
from dispatch.models import (
    Filing,
)
from dispatch.task_views import (
    FilingCorrectView,
    FilingReviewView,
    FilingStartView,
)
from org import selectors as org_selectors
from workflow.mixins import ScopedFlowMixin
from workflow.nodes import SUBJECT, RecusingView
from workflow.runtime import fresh_artifact


def _filing_unit(process):
    return process.artifact.unit


def _can_file(user):
    return org_selectors.units_in_reach(user, "act_as_liaison").exists()


class FilingFlow(ScopedFlowMixin, flow.Flow):
    """Filing (报备)

    A unit reports a training it organized; the organization department accepts it
    (hours credited), returns it for correction, or rejects it.
    """

    process_title = _("Filing")
    process_description = _(
        "A unit reports a training it organized; the organization department accepts it "
        "(hours credited), returns it for correction, or rejects it."
    )
    process_summary_template = "{{ process.artifact }}"

    start = (
        flow.Start(FilingStartView.as_view())
        .Annotation(title=_("Liaison files a training"))
        .Available(_can_file)
        .Next(this.review)
    )

    # 回避: not offered to who filed it or whom it credits; the other dispatchers take it.
    review = (
        RecusingView(
            FilingReviewView.as_view(),
            refuse=dispatch_policy.require_not_own_filing,
            makers=dispatch_policy.makers_of_filings,
        )
        .Annotation(title=_("Organization department reviews"), summary_template=SUBJECT)
        .Permission("org.issue_dispatch", obj=_filing_unit)
        .Next(this.reviewed)
    )

    reviewed = (
        flow.If(this.is_returned)
        .Annotation(title=_("Returned for correction?"))
        .Then(this.correct)
        .Else(this.end)
    )

    correct = (
        flow.View(FilingCorrectView.as_view())
        .Annotation(title=_("Liaison corrects the filing"), summary_template=SUBJECT)
        .Permission("org.act_as_liaison", obj=_filing_unit)
        .Next(this.review)
    )

    end = flow.End().Annotation(title=_("Accepted or rejected"))

    def is_returned(self, activation):
        return fresh_artifact(activation.process).status == "returned"

    artifact_model = Filing
    artifact_related = ("unit",)
