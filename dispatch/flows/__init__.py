"""Viewflow flows of the dispatch domain (charts read top-down in each class)."""

from dispatch.flows.dispatching import (
    DispatchFlow,
    FilingFlow,
    NominationFlow,
    RollCallFlow,
    cancel_roll_call,
    start_dispatches,
)
from dispatch.flows.makeup import MakeupFlow, resume_makeup, start_makeup

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
