"""The permission matrix: for every route of config.urls, how to build a sample URL from
the sample objects of a side (the city's unit A, or the county), and the statuses each
role may get for GET and for an empty POST there. `tests/hardening/test_permission_matrix.py`
walks the URL conf, requires an entry here for every route, and probes every entry.

Outcomes are spelled as the test sees them: "200", "302", "403", "404", "405", and
"login" for a redirect to a login page. The status rule (README, "Tests and CI"): a
visitor who is not signed in goes to the login page; an object out of the user's reach
answers 404; a page or step of a role the user lacks answers 403; lists are filtered,
never refused."""

import re
from dataclasses import dataclass

from viewflow.workflow.models import Process

from tests.hardening import admin_routes
from tests.hardening.roles_and_sides import (  # noqa: F401 - the matrix modules import them from here
    ANONYMOUS,
    AUDITOR,
    CITY,
    CITY_DISPATCHER,
    COUNTY,
    COUNTY_DISPATCHER,
    DEPUTY,
    DISPATCHERS,
    HEAD,
    LIAISON,
    OK,
    ORG_HEAD,
    ORGANIZERS,
    REACH,
    REGISTRAR,
    ROLES,
    SIDES,
    SIGNED_IN,
    STAFF,
    SUPERUSER,
    TRAINEE,
    UNIT_A,
    UNITS,
    WHOLE_CITY,
    Expect,
    by_reach,
    every,
)

# -- sample URLs -----------------------------------------------------------------------------

_CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")
_NODE_ROUTE = re.compile(
    r"^workflow/(?P<app>\w+)/<int:process_pk>/(?P<node>\w+)/<int:task_pk>/(?:(?P<action>\w+)/)?$"
)
_FLOW_ROUTE = re.compile(r"^workflow/(?P<app>\w+)/(?P<rest>.*)$")


def flow_route(pattern):
    """(app, node or None, action or rest) for a route of a flow under /workflow/."""
    m = _NODE_ROUTE.match(pattern)
    if m:
        return m["app"], m["node"], m["action"] or "index"
    m = _FLOW_ROUTE.match(pattern)
    if m and m["app"] in FLOW_NODES:
        return m["app"], None, m["rest"]
    return None


def takes_an_id(pattern) -> bool:
    return bool(_CONVERTER.search(pattern))


def sample_url(pattern, name, samples):
    """The URL to probe on a side, or None where the side has no sample (or the route
    takes no object, and the city side already probes it)."""
    if pattern.startswith("admin/"):
        return admin_routes.sample_url(pattern, name, samples)
    flow = flow_route(pattern)
    if flow and flow[1]:
        app, node, _ = flow
        ids = samples.get(f"{app}:{node}")
        if ids is None:
            return None
        return "/" + pattern.replace("<int:process_pk>", str(ids[0])).replace(
            "<int:task_pk>", str(ids[1])
        )
    if flow and "<int:process_pk>" in pattern:
        process = samples.get(f"{flow[0]}:process")
        return None if process is None else "/" + pattern.replace("<int:process_pk>", str(process))
    if not takes_an_id(pattern):
        return "/" + pattern if samples["side"] == CITY else None
    sample = samples.get(OBJECTS.get(name or pattern))
    if sample is None:
        return None
    if (name or pattern) in COMPOSITE:
        ids = iter(COMPOSITE[name or pattern](sample))
        return "/" + _CONVERTER.sub(lambda _m: str(next(ids)), pattern)
    return "/" + _CONVERTER.sub(str(sample), pattern)


def entry_for(pattern, name):
    """The matrix entry of a route, or None if it has none."""
    if pattern.startswith("admin/"):
        return admin_routes.entry(pattern, name)
    flow = flow_route(pattern)
    if flow:
        app, node, action = flow
        if node is None:
            return flow_page(app, action)
        kind = FLOW_NODES[app].get(node)
        if kind is None:
            return None
        return node_expectation(app, node, action)
    return PAGES.get(name or pattern)


# -- our pages -------------------------------------------------------------------------------

#: the sample object each route with an id takes (a key of the test's samples)
OBJECTS = {
    "notifications:detail": "notification",
    "notifications:mark_read": "notification",
    "notifications:acknowledge": "notification",
    "notifications:document": "notification",
    "notifications:enclosure": "enclosure",
    "document_download": "document",
    "cadre_detail": "cadre",
    "cadre_edit": "cadre",
    "training_record": "cadre",
    "hours_import_preview": "hour_import",
    "task_reassign": "task",
    "class_detail": "class",
    "class_edit": "class",
    "class_cancel": "class",
    "class_candidates": "class",
    "class_attendance": "class",
    "catalog:trainingclass:detail": "class",
    "roll_call_detail": "rollcall",
    "roll_call_acknowledgements": "rollcall",
    "circulars:figures": "circular",
    "attendance_correct": "dispatch:record_attendance",
}


def _recorded_attendance(ids):
    """(class, dispatch) of the absentee's dispatch whose attendance Rita recorded."""
    dispatch = Process.objects.get(pk=ids[0]).artifact
    return dispatch.training_class_id, dispatch.pk


#: routes with several ids: their ids, in order, read from their OBJECTS sample
COMPOSITE = {"attendance_correct": _recorded_attendance, "notifications:enclosure": tuple}


SIGNED_IN_PAGE = Expect(get=every({"200"}), post=every({"200"}))
#: a list of the jurisdiction: every role with a unit, not a trainee
STAFF_LIST = Expect(get=every({"200"}, SIGNED_IN[1:]), post=every({"200"}, SIGNED_IN[1:]))
DISPATCHER_PAGE = Expect(get=every({"200"}, DISPATCHERS), post=every({"200"}, DISPATCHERS))

PAGES: dict[str, Expect] = {
    # Browsers ask for /favicon.ico whoever they are.
    "favicon.ico": Expect(get=every({"301"}, ROLES), post=every({"301"}, ROLES), public=True),
    "login": Expect(get=every({"200"}, ROLES), post=every({"200"}, ROLES), public=True),
    "logout": Expect(get=every({"405"}, ROLES), post=every({"302"}, ROLES), public=True),
    "home": SIGNED_IN_PAGE,
    "notifications:inbox": SIGNED_IN_PAGE,
    "notifications:preferences": SIGNED_IN_PAGE,
    "notifications:mark_all_read": Expect(get=every({"405"}), post=every({"302"})),
    "document_list": SIGNED_IN_PAGE,
    "task_list": SIGNED_IN_PAGE,
    "cadre_list": STAFF_LIST,
    "unit_list": STAFF_LIST,
    "compliance_report": STAFF_LIST,
    "hours_ledger": STAFF_LIST,
    "leadership_report": STAFF_LIST,
    "class_list": STAFF_LIST,
    "dispatch_list": STAFF_LIST,
    "overdue_list": STAFF_LIST,
    "roll_call_list": STAFF_LIST,
    # Registering a cadre: the unit's liaison and the dispatchers.
    "cadre_create": Expect(
        get=every({"200"}, DISPATCHERS | {LIAISON}), post=every({"200"}, DISPATCHERS | {LIAISON})
    ),
    # A department head delegates their decisions.
    "delegations": Expect(get=every({"200"}, [HEAD]), post=every({"200"}, [HEAD])),
    "hours_import": DISPATCHER_PAGE,
    "class_create": DISPATCHER_PAGE,
    # The roll call form's busy periods of the cadres its search finds (JSON).
    "roll_call_busy": DISPATCHER_PAGE,
}

# Object pages. The samples: Dave's latest notification and his notice (通知书) on the city
# side, the county liaison's on the county side (no role here receives those).
OWN = {CITY: {TRAINEE}, COUNTY: set()}
NOTICE_READERS = {CITY: WHOLE_CITY | UNIT_A | {TRAINEE}, COUNTY: REACH[COUNTY]}
CADRE_READERS = {CITY: REACH[CITY] | {TRAINEE}, COUNTY: REACH[COUNTY]}
CADRE_KEEPERS = {CITY: {LIAISON, CITY_DISPATCHER}, COUNTY: DISPATCHERS}
NOT_KEEPERS = {TRAINEE, HEAD, DEPUTY, ORG_HEAD, AUDITOR}
#: classes: those who organize them (the departments' people) and the school's registrar
CLASS_READERS = {
    CITY: {REGISTRAR} | WHOLE_CITY,
    COUNTY: {REGISTRAR, COUNTY_DISPATCHER} | WHOLE_CITY,
}
IMPORTER = {CITY: {CITY_DISPATCHER}, COUNTY: {COUNTY_DISPATCHER}}
REFUSAL = {"403"}
KEEPERS = {
    role: {
        side: (
            {"200"}
            if role in CADRE_KEEPERS[side]
            else REFUSAL
            if role in CADRE_READERS[side]
            else {"404"}
        )
        for side in SIDES
    }
    for role in SIGNED_IN
}
CANDIDATES = by_reach(CLASS_READERS, REFUSAL, lacking={r: {"200"} for r in DISPATCHERS})
ROSTER = by_reach(CLASS_READERS, REFUSAL, lacking={REGISTRAR: {"200"}})
CORRECTION_READERS = {side: CLASS_READERS[side] | REACH[side] for side in SIDES}
CORRECTION = by_reach(CORRECTION_READERS, REFUSAL, lacking={REGISTRAR: {"200"}})
REASSIGN = by_reach(REACH, REFUSAL, lacking={r: {"200"} for r in DISPATCHERS})
ACKNOWLEDGEMENTS = by_reach(ORGANIZERS, REFUSAL, lacking={r: {"200"} for r in DISPATCHERS})


def readers(reach) -> Expect:
    """A page that the roles reaching a side's sample (`reach`) open, GET or POST."""
    return Expect(get=by_reach(reach, {"200"}), post=by_reach(reach, {"200"}))


PAGES.update(
    {
        "notifications:detail": readers(OWN),
        "notifications:mark_read": Expect(get=every({"405"}), post=by_reach(OWN, {"302"})),
        "notifications:acknowledge": Expect(get=every({"405"}), post=by_reach(OWN, {"302"})),
        "notifications:document": readers(OWN),
        "notifications:enclosure": readers(OWN),
        "document_download": readers(NOTICE_READERS),
        "cadre_detail": readers(CADRE_READERS),
        "training_record": readers(CADRE_READERS),
        # Who keeps a cadre's record (org.policy.may_edit_cadre): the liaison of the
        # cadre's unit and the dispatchers of its jurisdiction; other readers get 403.
        "cadre_edit": Expect(get=KEEPERS, post=KEEPERS),
        # An import's preview is its uploader's; committing it (POST) writes the hours.
        "hours_import_preview": Expect(
            get=by_reach(IMPORTER, {"200"}), post=by_reach(IMPORTER, {"302"})
        ),
        # Reassigning a stuck task: its unit's dispatchers; other viewers 403, the rest 404.
        "task_reassign": Expect(get=REASSIGN, post=REASSIGN),
        "class_detail": readers(CLASS_READERS),
        # Candidate suggestions: the organizing dispatchers; other readers get 403.
        "class_candidates": Expect(get=CANDIDATES, post=CANDIDATES),
        # Changing or cancelling the class: the organizing dispatchers (empty POST: form).
        "class_edit": Expect(get=CANDIDATES, post=CANDIDATES),
        "class_cancel": Expect(get=CANDIDATES, post=CANDIDATES),
        # The attendance roster: the school's registrar; other readers get 403.
        "class_attendance": Expect(get=ROSTER, post=ROSTER),
        # Correcting an attendance: the registrar; others reaching class or unit get 403.
        "attendance_correct": Expect(get=CORRECTION, post=CORRECTION),
        "roll_call_detail": readers(ORGANIZERS),
        "roll_call_acknowledgements": Expect(get=ACKNOWLEDGEMENTS, post=ACKNOWLEDGEMENTS),
        # the pickers' search: without ?for= nothing (test_cadre_picker_search.py probes more)
        "cadre_pick": Expect(get=every({"404"}), post=every({"404"})),
        # an issued circular's figures: whoever may open its process page
        "circulars:figures": Expect(get=by_reach(ORGANIZERS, {"200"}), post=every({"405"})),
        # /workflow/ itself sends everyone on to their first app.
        "index": Expect(get=every({"302"}), post=every({"302"})),
        # The class catalogue in the /workflow/ site: not a trainee's.
        "catalog:index": Expect(
            get=every({"302"}, SIGNED_IN[1:]), post=every({"302"}, SIGNED_IN[1:])
        ),
        "catalog:trainingclass:index": Expect(
            get=every({"200"}, SIGNED_IN[1:]), post=every({"405"}, SIGNED_IN[1:])
        ),
        "catalog:trainingclass:list": Expect(
            get=every({"200"}, SIGNED_IN[1:]), post=every({"405"}, SIGNED_IN[1:])
        ),
        "catalog:trainingclass:detail": Expect(
            get={**by_reach(CLASS_READERS, {"200"}), TRAINEE: REFUSAL},
            post=every({"405"}, SIGNED_IN[1:]),
        ),
    }
)

# -- Viewflow's site ---------------------------------------------------------------------------

HUMAN = "human"  # a task someone claims and executes (assign / unassign / execute pages)
AUTO = "auto"  # a gateway, timer, handler, start or end: its pages only show it

#: every node of every flow, by app (a new node fails the test until it is listed here)
FLOW_NODES = {
    "rollcall": {
        "allot_seats": AUTO,
        "await_reminder": AUTO,
        "by_mode": AUTO,
        "end": AUTO,
        "escalate_unanswered": AUTO,
        "name_cadres": AUTO,
        "remind_unanswered": AUTO,
        "start": AUTO,
        "unanswered_due": AUTO,
    },
    "nomination": {
        "dispatch_nominees": AUTO,
        "dispatcher_review": HUMAN,
        "end": AUTO,
        "head_approval": HUMAN,
        "head_decided": AUTO,
        "nominate": HUMAN,
        "reviewed": AUTO,
        "start": AUTO,
    },
    "dispatch": {
        "acknowledge": HUMAN,
        "acknowledge_due": AUTO,
        "answered": AUTO,
        "await_confirm_reminder": AUTO,
        "await_decision": AUTO,
        "closed": AUTO,
        "confirm": HUMAN,
        "confirm_due": AUTO,
        "deadline_handled": AUTO,
        "decided": AUTO,
        "end": AUTO,
        "escalate_acknowledge": AUTO,
        "escalate_confirm": AUTO,
        "issue_notice": AUTO,
        "notice_answered": AUTO,
        "record_attendance": HUMAN,
        "refused": AUTO,
        "remind_acknowledge": AUTO,
        "remind_confirm": AUTO,
        "request_approval": AUTO,
        "start": AUTO,
        "start_in_roll_call": AUTO,
        "watch_confirmation": AUTO,
        "acknowledge__timeout": AUTO,
        "acknowledge__timeout_2": AUTO,
        "confirm__timeout": AUTO,
        "unacknowledged_at_start": AUTO,
        "unanswered_at_start": AUTO,
    },
    "approval": {
        "co_managing_review": HUMAN,
        "co_managing_review_due": AUTO,
        "deadline_handled": AUTO,
        "end": AUTO,
        "escalate_co_managing_review": AUTO,
        "escalate_head_review": AUTO,
        "escalate_managing_review": AUTO,
        "head_decided": AUTO,
        "head_review": HUMAN,
        "head_review_due": AUTO,
        "managing_review": HUMAN,
        "managing_review_due": AUTO,
        "org_decided": AUTO,
        "org_join": AUTO,
        "org_split": AUTO,
        "remind_co_managing_review": AUTO,
        "remind_head_review": AUTO,
        "remind_managing_review": AUTO,
        "restart_round": AUTO,
        "settle": AUTO,
        "start": AUTO,
        "co_managing_review__timeout": AUTO,
        "head_review__timeout": AUTO,
        "managing_review__timeout": AUTO,
    },
    "filing": {
        "correct": HUMAN,
        "end": AUTO,
        "review": HUMAN,
        "reviewed": AUTO,
        "start": AUTO,
    },
    "makeup": {
        "await_outcome": AUTO,
        "dispatch_makeup": AUTO,
        "end": AUTO,
        "escalate": AUTO,
        "escalated": AUTO,
        "made_up": AUTO,
        "schedule": HUMAN,
        "start": AUTO,
        "await_outcome__timeout": AUTO,
        "schedule__timeout": AUTO,
    },
    "recognition": {
        "await_decision": AUTO,
        "correct": HUMAN,
        "decided": AUTO,
        "end": AUTO,
        "request_approval": AUTO,
        "start": AUTO,
    },
    "circular": {
        "approval": HUMAN,
        "approved": AUTO,
        "draft": HUMAN,
        "end": AUTO,
        "issue": AUTO,
        "scheduled_start": AUTO,
        "start": AUTO,
    },
}

#: who sees a process of each flow, on each side: read_scope on the process's scope unit
#: (the organizer's department for roll calls and circulars, the unit for the rest)
PROCESS_VIEWERS = {
    "rollcall": ORGANIZERS,
    "nomination": UNITS,
    "dispatch": UNITS,
    "approval": UNITS,
    "filing": UNITS,
    "makeup": UNITS,
    "recognition": UNITS,
    "circular": ORGANIZERS,
}

#: roles with no tie to a side at all: every object page of that side answers them 404
OUTSIDERS = {
    CITY: {COUNTY_DISPATCHER},
    COUNTY: {TRAINEE, LIAISON, HEAD, DEPUTY, REGISTRAR},
}
REFUSED = frozenset({"403", "404"})
#: flows in which no role takes part without seeing the process: every role that does
#: not see it is out of its reach (404), not only the side's outsiders
NO_PARTICIPANTS: set[str] = set()


def process_page(app, viewers_get, viewers_post, insiders=REFUSED):
    """A page of one process: its viewers get `viewers_*`; outsiders of the side 404;
    other roles (a trainee or registrar who takes part, someone who sees nothing of it)
    are refused either way — 404 in a flow of NO_PARTICIPANTS."""
    viewers = PROCESS_VIEWERS[app]
    if app in NO_PARTICIPANTS:
        insiders = {"404"}
    get, post = {}, {}
    for role in SIGNED_IN:
        get[role], post[role] = {}, {}
        for side in SIDES:
            if role in viewers[side]:
                get[role][side], post[role][side] = set(viewers_get), set(viewers_post)
            elif role in OUTSIDERS[side]:
                get[role][side], post[role][side] = {"404"}, {"404"}
            else:
                get[role][side], post[role][side] = set(insiders), set(insiders)
    return Expect(get=get, post=post)


def flow_page(app, rest):
    """The pages of a flow's app under /workflow/<app>/."""
    if rest in LIST_PAGES:
        return LIST_PAGES[rest]
    if rest == "start/":
        return START_PAGES.get(app)
    if rest in ("<int:process_pk>/", "<int:process_pk>/chart/"):
        return process_page(app, {"200"}, {"405"})
    if rest == "<int:process_pk>/cancel/":  # Viewflow's own cancel: administrators only
        return process_page(app, {"403"}, {"403"})
    if app == "approval" and rest == "<int:process_pk>/attachment/":  # the request's file
        return Expect(get=process_page(app, {"200"}, {"405"}).get, post=every({"405"}))
    return None


#: the lists of each flow's app: filtered to the user's jurisdiction, never refused
LIST_PAGES = {
    "": Expect(get=every({"200"}), post=every({"405"})),
    "flows/": Expect(get=every({"200"}), post=every({"405"})),
    "tasks/": Expect(get=every({"200"}), post=every({"405"})),
    "chart/": Expect(get=every({"200"}), post=every({"405"})),
    "inbox/": Expect(get=every({"200"}), post=every({"405"})),
    "queue/": Expect(get=every({"200"}), post=every({"405"})),
    "archive/": Expect(get=every({"200"}), post=every({"405"})),
    # Bulk claim / unclaim: GET goes back to the list; an empty POST claims nothing.
    "queue/assign/": Expect(get=every({"302"}), post=every({"200"})),
    "inbox/unassign/": Expect(get=every({"302"}), post=every({"200"})),
}

#: the start forms: roll calls and circulars for dispatchers, filings and hour
#: recognitions for unit liaisons
START_PAGES = {
    "rollcall": DISPATCHER_PAGE,
    "circular": DISPATCHER_PAGE,
    "filing": Expect(get=every({"200"}, [LIAISON]), post=every({"200"}, [LIAISON])),
    "recognition": Expect(get=every({"200"}, [LIAISON]), post=every({"200"}, [LIAISON])),
}


@dataclass(frozen=True)
class SampleTask:
    """The state of a human node's sample task on a side, and who holds it: for a "new"
    task the roles that may claim it, for an "assigned" one its owner, for a "done" one
    the roles that took part without seeing the process (sent on, as viewers are)."""

    state: str
    roles: frozenset = frozenset()


NEW, ASSIGNED, DONE = "NEW", "ASSIGNED", "DONE"

#: the sample task of each human node, per side (the test checks its state): the first
#: task of the node in the side's processes (the world is built in
#: probing.build_world)
SAMPLE_TASKS = {
    # Lily confirmed cadre A's dispatch; the county's liaison confirmed the county's.
    ("dispatch", "confirm", CITY): SampleTask(DONE),
    ("dispatch", "confirm", COUNTY): SampleTask(DONE),
    # Dave's acknowledgement (签收) is his from the start; the county's cadre has no
    # account, so its unit's liaison (not one of the roles) acknowledges.
    ("dispatch", "acknowledge", CITY): SampleTask(ASSIGNED, frozenset({TRAINEE})),
    ("dispatch", "acknowledge", COUNTY): SampleTask(NEW),
    # The absentee's attendance, recorded by Rita, who does not see the dispatch itself.
    ("dispatch", "record_attendance", CITY): SampleTask(DONE, frozenset({REGISTRAR})),
    ("nomination", "nominate", CITY): SampleTask(NEW, frozenset({LIAISON})),
    ("nomination", "nominate", COUNTY): SampleTask(NEW),
    ("approval", "head_review", CITY): SampleTask(NEW, frozenset({HEAD})),
    ("approval", "head_review", COUNTY): SampleTask(NEW),
    ("filing", "review", CITY): SampleTask(NEW, frozenset({CITY_DISPATCHER})),
    ("filing", "review", COUNTY): SampleTask(NEW, frozenset(DISPATCHERS)),
    ("makeup", "schedule", CITY): SampleTask(NEW, frozenset({CITY_DISPATCHER})),
    ("circular", "draft", CITY): SampleTask(NEW, frozenset({CITY_DISPATCHER})),
    ("circular", "draft", COUNTY): SampleTask(NEW, frozenset(DISPATCHERS)),
}


def node_expectation(app, node, action):
    """The pages of one node of a process: /workflow/<app>/<process>/<node>/<task>/…"""
    if action == "index":  # Viewflow's redirect to the task's detail or form page
        return Expect(get=every({"302"}), post=every({"302"}))
    if action == "detail":
        return process_page(app, {"200"}, {"405"})
    if action in ("cancel", "undo", "revive"):  # Viewflow's manage actions: administrators
        return process_page(app, {"403"}, {"403"})
    if action not in ("assign", "unassign", "execute") or FLOW_NODES[app][node] != HUMAN:
        return None
    expect = process_page(app, {"403"}, {"403"})
    for side in SIDES:
        task = SAMPLE_TASKS.get((app, node, side))
        if task is None:
            continue
        if task.state == DONE:  # "already handled": viewers are sent on to the process
            for role in PROCESS_VIEWERS[app][side] | task.roles:
                expect.get[role][side] = expect.post[role][side] = {"302"}
            continue
        for role in task.roles:
            if task.state == NEW and action == "assign":
                expect.get[role][side], expect.post[role][side] = {"200"}, {"302"}
            elif task.state == ASSIGNED and action == "execute":
                expect.get[role][side], expect.post[role][side] = {"200"}, {"200"}
            elif task.state == ASSIGNED and action == "unassign":
                expect.get[role][side], expect.post[role][side] = {"200"}, {"302"}
            else:
                expect.get[role][side] = expect.post[role][side] = {"403"}
    return expect


# -- the admin ---------------------------------------------------------------------------------

#: Django's admin has its rule, not entries: tests/hardening/admin_routes.py.

#: (route name or pattern, role, side, method) of leaks found and left for the lead
KNOWN: set[tuple[str, str, str, str]] = set()

#: Routes that take an id yet are probed on neither side, each with the reason: a route
#: of our pages by its name (or pattern), a human node of a flow as "app:node". The
#: completeness tests fail for any other route with an id and no sample URL, and for an
#: entry here whose route is probed after all.
UNSAMPLED: dict[str, str] = {}


# -- routes kept elsewhere -------------------------------------------------------------------

#: Further apps' entries live in their own modules, tests/hardening/matrix_<app>.py, each
#: with PAGES and OBJECTS (same rules), found and merged here.
import importlib  # noqa: E402
import pkgutil  # noqa: E402

import tests.hardening  # noqa: E402

#: A module of a new app with flows adds, optionally: FLOW_APPS ({"SurveyFlow": "survey"}),
#: FLOW_NODES, SAMPLE_TASKS and KNOWN (as above), and build(world, client, staff, users),
#: run by the matrix test after the common world is built, which starts the app's
#: processes on both sides and returns {CITY: {sample key: id}, COUNTY: {...}}.
MODULES = []
EXTRA_FLOW_APPS: dict[str, str] = {}
for _info in pkgutil.iter_modules(tests.hardening.__path__):
    if _info.name.startswith("matrix_"):
        _module = importlib.import_module(f"tests.hardening.{_info.name}")
        MODULES.append(_module)
        PAGES.update(_module.PAGES)
        OBJECTS.update(_module.OBJECTS)
        FLOW_NODES.update(getattr(_module, "FLOW_NODES", {}))
        SAMPLE_TASKS.update(getattr(_module, "SAMPLE_TASKS", {}))
        KNOWN.update(getattr(_module, "KNOWN", set()))
        EXTRA_FLOW_APPS.update(getattr(_module, "FLOW_APPS", {}))

#: Routes whose refusals another suite proves route by route, with its own completeness
#: check: the REST API answers 401/403/404 as JSON, not pages (tests/api/test_api_permissions.py).
COVERED_ELSEWHERE = ("api/",)
