"""Viewflow flows of the dispatch domain (charts read top-down in each class)."""

from dispatch.flows.dispatch import DispatchFlow, MakeupFlow, resume_makeup, start_makeup
from dispatch.flows.filing import FilingFlow
from dispatch.flows.rollcall import NominationFlow, RollCallFlow, cancel_roll_call, start_dispatches

__all__ = [
    "DispatchFlow",
    "FilingFlow",
    "MakeupFlow",
    "NominationFlow",
    "RollCallFlow",
    "cancel_roll_call",
    "resume_makeup",
    "start_dispatches",
    "start_makeup",
]
