"""The permission matrix's entries for the plan pages (/plans/) and the plan flows
(/workflow/plan/, /workflow/consultation/): see route_matrix.

Plans are their department's: read by whoever reaches the department's unit (lists
filtered); drafting pages are the department's dispatchers', the waiver the org
department head's (others in reach 403, outsiders 404). Partner nominations are for the
partner department's dispatchers only (404 for everyone else)."""

from tests.hardening import route_matrix as matrix
from tests.hardening.route_matrix import (
    AUTO,
    DISPATCHER_PAGE,
    HUMAN,
    ORGANIZERS,
    SIGNED_IN,
    UNITS,
    Expect,
    every,
)

FLOW_APPS = {"PlanFlow": "plan", "ConsultationFlow": "consultation"}

FLOW_NODES = {
    "plan": {
        "approval": HUMAN,
        "approved": AUTO,
        "consult": AUTO,
        "draft": HUMAN,
        "end": AUTO,
        "new_version": AUTO,
        "publish": AUTO,
        "start": AUTO,
    },
    "consultation": {
        "answer": HUMAN,
        "answer__timeout": AUTO,
        "answer_due": AUTO,
        "deadline_handled": AUTO,
        "end": AUTO,
        "escalate_answer": AUTO,
        "remind_answer": AUTO,
        "start": AUTO,
    },
}

matrix.PROCESS_VIEWERS.update({"plan": ORGANIZERS, "consultation": UNITS})
matrix.START_PAGES.update({"plan": DISPATCHER_PAGE})

#: no samples are built on the sides yet: object pages are listed, and their refusals
#: are proven route by route in tests/planning/test_plan_pages.py
OBJECTS: dict[str, str] = {}

_STAFF = SIGNED_IN[1:]

PAGES: dict[str, Expect] = {
    "planning:list": Expect(get=every({"200"}, _STAFF), post=every({"200"}, _STAFF)),
    "planning:detail": Expect(get={}, post={}, otherwise=frozenset({"404"})),
    "planning:line_add": Expect(get={}, post={}, otherwise=frozenset({"404"})),
    "planning:new_version": Expect(get={}, post={}, otherwise=frozenset({"404"})),
    "planning:actual": Expect(get={}, post={}, otherwise=frozenset({"404"})),
    "planning:line_change": Expect(get={}, post={}, otherwise=frozenset({"404"})),
    "planning:line_remove": Expect(get={}, post={}, otherwise=frozenset({"404"})),
    "planning:waive": Expect(get={}, post={}, otherwise=frozenset({"404"})),
    "planning:nominate": Expect(get={}, post={}, otherwise=frozenset({"404"})),
}
