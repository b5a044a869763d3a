"""Writes: one function per business action, atomic, permission-checked, audited."""

from .dispatching import (
    attendance_record,
    dispatch_acknowledge,
    dispatch_confirm,
    dispatch_escalate,
    dispatch_notify,
    dispatch_remind,
    dispatch_request,
    dispatch_request_decided,
    makeup_owe,
)
from .ledger import (
    hours_import_commit,
    hours_import_preview,
    recognition_decided,
    recognition_submit,
    rule_revise,
)
from .filing import filing_correct, filing_review, filing_submit
from .org import cadre_save, role_grant, role_revoke, training_class_save, unit_save
from .rollcall import (
    dispatches_create,
    nomination_head_decide,
    nomination_review,
    nomination_submit,
    roll_call_cancel,
    roll_call_issue,
)

__all__ = [
    "hours_import_commit",
    "hours_import_preview",
    "recognition_decided",
    "recognition_submit",
    "rule_revise",
    "attendance_record",
    "cadre_save",
    "dispatch_acknowledge",
    "dispatch_confirm",
    "dispatches_create",
    "dispatch_escalate",
    "dispatch_notify",
    "dispatch_remind",
    "dispatch_request",
    "dispatch_request_decided",
    "filing_correct",
    "filing_review",
    "filing_submit",
    "makeup_owe",
    "nomination_head_decide",
    "nomination_review",
    "nomination_submit",
    "role_grant",
    "role_revoke",
    "roll_call_cancel",
    "roll_call_issue",
    "training_class_save",
    "unit_save",
]
