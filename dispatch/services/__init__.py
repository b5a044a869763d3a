"""Writes: one function per business action, atomic, permission-checked, audited."""

from dispatch.services.attendance_corrections import CorrectionOutcome, attendance_correct
from dispatch.services.classes import training_class_save
from dispatch.services.deadlines import roll_call_escalated, roll_call_remind
from dispatch.services.dispatching import (
    attendance_record,
    dispatch_acknowledge,
    dispatch_confirm,
    dispatch_escalate,
    dispatch_notify,
    dispatch_remind,
    dispatch_request,
    dispatch_request_after_notice,
    dispatch_request_decided,
    makeup_owe,
)
from dispatch.services.filing import filing_correct, filing_review, filing_submit
from dispatch.services.makeup import (
    makeup_class_suggestions,
    makeup_escalate,
    makeup_outcome,
    makeup_schedule,
)
from dispatch.services.rollcall import (
    dispatches_create,
    nomination_escalate,
    nomination_head_decide,
    nomination_review,
    nomination_submit,
    roll_call_cancel,
    roll_call_issue,
)

__all__ = [
    "roll_call_escalated",
    "roll_call_remind",
    "makeup_class_suggestions",
    "makeup_escalate",
    "makeup_outcome",
    "makeup_schedule",
    "attendance_correct",
    "attendance_record",
    "CorrectionOutcome",
    "dispatch_acknowledge",
    "dispatch_confirm",
    "dispatches_create",
    "dispatch_escalate",
    "dispatch_notify",
    "dispatch_remind",
    "dispatch_request",
    "dispatch_request_after_notice",
    "dispatch_request_decided",
    "filing_correct",
    "filing_review",
    "filing_submit",
    "makeup_owe",
    "nomination_escalate",
    "nomination_head_decide",
    "nomination_review",
    "nomination_submit",
    "roll_call_cancel",
    "roll_call_issue",
    "training_class_save",
]
