"""The permission matrix's entries for the plan pages (/plans/) and the plan flows
(/workflow/plan/, /workflow/consultation/): see route_matrix.

The rules (planning.selectors, planning.policy): a plan is read by whoever reaches its
department's unit (`plans_in_reach`: the organizers of each side); of them, the
department's dispatchers draft it (`may_draft`: issue_dispatch on the department's
unit), the organization department head of its jurisdiction approves it and waives
indicators (`may_approve`: approve_as_org_department, which does not flow down, so the
city's head decides nothing of the county's plan); others in reach get 403, everyone else
404. Seats offered to a partner department (对口支援) are nominated into by the partner's
dispatchers (issue_dispatch on the partner department's unit).

The samples, built by `build`, on each side (the city's department drafted by Bob, the
county's by Carol):

* a draft plan started on /workflow/plan/start/, with a quota class: its draft task waits
  for the department's dispatchers; its pages and its class's pages (change, remove,
  waive) are probed;
* a plan sent to consultation (会商): its approval task waits for the department head of
  its jurisdiction (Oscar in the city; the county's head, not one of the roles), and a
  consultation of the unit allotted seats waits for that unit's head (Alice for unit A;
  unit B's head, not one of the roles);
* a published plan whose class offers seats to a partner department outside the side's
  jurisdiction (planning.lines.check_line) — both sides' to a department outside them
  (no role is that department's dispatcher): new version, plan against actual,
  and nominating into the offered seats."""

import datetime as dt

from django.utils import timezone

from tests.hardening import route_matrix as matrix
from tests.hardening.route_matrix import (
    AUTO,
    CITY,
    CITY_DISPATCHER,
    COUNTY,
    DISPATCHER_PAGE,
    DISPATCHERS,
    HEAD,
    HUMAN,
    NEW,
    ORG_HEAD,
    ORGANIZERS,
    REFUSAL,
    SIDES,
    SIGNED_IN,
    UNITS,
    Expect,
    SampleTask,
    by_reach,
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

#: who reads a plan: whoever reaches its department's unit
PLAN_READERS = ORGANIZERS
#: who drafts it: issue_dispatch on the department's unit (Bob's reaches the county's)
DRAFTERS = {CITY: {CITY_DISPATCHER}, COUNTY: DISPATCHERS}
#: who approves it and waives indicators: approve_as_org_department on the jurisdiction
#: itself (not inherited: Oscar's grant on the city is not one on the county)
APPROVERS = {CITY: {ORG_HEAD}, COUNTY: set()}
#: who nominates into the offered seats: the partner department's dispatchers — of a
#: department outside both sides (a partner's jurisdiction may neither hold nor lie in
#: the plan's), so none of the matrix's people
NOMINATORS = {CITY: set(), COUNTY: set()}

SAMPLE_TASKS = {
    ("plan", "draft", CITY): SampleTask(NEW, frozenset(DRAFTERS[CITY])),
    ("plan", "draft", COUNTY): SampleTask(NEW, frozenset(DRAFTERS[COUNTY])),
    ("plan", "approval", CITY): SampleTask(NEW, frozenset(APPROVERS[CITY])),
    ("plan", "approval", COUNTY): SampleTask(NEW, frozenset(APPROVERS[COUNTY])),
    # A unit allotted seats answers through its head (planning.policy.consultation_permission).
    ("consultation", "answer", CITY): SampleTask(NEW, frozenset({HEAD})),
    ("consultation", "answer", COUNTY): SampleTask(NEW),
}

matrix.PROCESS_VIEWERS.update({"plan": PLAN_READERS, "consultation": UNITS})
# Whoever answers a consultation reads its unit; whoever drafts or approves a plan, its
# department's unit: a role that does not see a plan process takes no part in it (404).
matrix.NO_PARTICIPANTS.update({"plan", "consultation"})
matrix.START_PAGES.update({"plan": DISPATCHER_PAGE})

OBJECTS: dict[str, str] = {
    "planning:detail": "plan",
    "planning:line_add": "plan",
    "planning:new_version": "published_plan",
    "planning:actual": "published_plan",
    "planning:line_change": "plan_line",
    "planning:line_remove": "plan_line",
    "planning:waive": "plan_line",
    "planning:nominate": "offered_line",
}


def role_page(holders, outcome=("200",), readers=PLAN_READERS):
    """`outcome` for the holders of the page's role on each side, 403 for the others
    who read the plan, 404 for everyone else."""
    return {
        role: {
            side: frozenset(
                outcome
                if role in holders[side]
                else REFUSAL
                if role in readers[side] | holders[side]
                else {"404"}
            )
            for side in SIDES
        }
        for role in SIGNED_IN
    }


_STAFF = SIGNED_IN[1:]
_READ = by_reach(PLAN_READERS, {"200"})
# An empty POST is the form again with its errors: nothing is written.
_DRAFT = role_page(DRAFTERS)
_APPROVE = role_page(APPROVERS)
# The offered line is read by the plan's readers and reached by the partner's
# dispatchers (planning.selectors.offered_lines).
_NOMINATE = role_page(NOMINATORS)

PAGES: dict[str, Expect] = {
    # The list is filtered, never refused, for everyone with a unit (require_reach).
    "planning:list": Expect(get=every({"200"}, _STAFF), post=every({"200"}, _STAFF)),
    "planning:detail": Expect(get=_READ, post=_READ),
    "planning:actual": Expect(get=_READ, post=_READ),
    # The sample is a draft plan: its form (a published one sends the drafter back).
    "planning:line_add": Expect(get=_DRAFT, post=_DRAFT),
    "planning:line_change": Expect(get=_DRAFT, post=_DRAFT),
    "planning:line_remove": Expect(get=_DRAFT, post=_DRAFT),
    "planning:new_version": Expect(get=_DRAFT, post=_DRAFT),
    "planning:waive": Expect(get=_APPROVE, post=_APPROVE),
    "planning:nominate": Expect(get=_NOMINATE, post=_NOMINATE),
}


def _line(actor, plan, year, institution, units, partner=None):
    """A 40-hour quota class of `plan` in March of `year`, seats to `units` (and one
    offered to `partner`), through the service; named after its department (the city's
    and the county's would otherwise be twins: the same name, institution and dates)."""
    from planning import services
    from tests.planning.helpers import good_sessions

    start = dt.date(year, 3, 2)
    return services.line_add(
        actor=actor,
        plan=plan,
        name=f"{year}年进修班（{plan.org_department.issuer_code}）",
        institution=institution,
        start_date=start,
        end_date=start + dt.timedelta(days=4),
        dispatch_date=start - dt.timedelta(days=10),
        hours=40,
        days=5,
        seats=len(units) * 2 + (1 if partner else 0),
        mode="quota",
        allocations=[(u, 2) for u in units],
        partner=partner,
        partner_seats=1 if partner else 0,
        sessions=good_sessions(start),
    )


def _started(client, drafter, department, year):
    """A plan started on the flow's start page by `drafter`: its draft task open."""
    from planning.models import Plan

    client.force_login(drafter)
    response = client.post(
        "/workflow/plan/start/",
        {"org_department": department.pk, "year": year, "title": f"{year}年度调训计划"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Plan.objects.get(org_department=department, year=year)


def build(world, client, staff, users):
    from planning import services
    from planning.publishing import plan_publish
    from tests.flowtools import open_task, process_of
    from tests.planning.helpers import Partner, accept_all, act

    year = timezone.localdate().year + 1
    outside = Partner().od
    sides = {
        CITY: (world.city_od, world.bob, world.a, staff.oscar, outside),
        COUNTY: (world.county_od, world.carol, world.b, staff.olga, outside),
    }
    samples = {}
    for side, (department, drafter, unit, approver, partner) in sides.items():
        draft = _started(client, drafter, department, year)
        draft_line = _line(drafter, draft, year, world.school, [unit])

        consulted = _started(client, drafter, department, year + 1)
        _line(drafter, consulted, year + 1, world.school, [unit])
        deadline = timezone.localtime() + dt.timedelta(days=3)
        client.force_login(drafter)
        response = act(
            client,
            open_task(process_of(consulted, "PlanFlow"), "draft"),
            {"deadline": deadline.strftime("%Y-%m-%dT%H:%M")},
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        consultation = consulted.consultations.get(unit=unit)
        consultation_process = process_of(consultation, "ConsultationFlow")

        published = services.plan_create(actor=drafter, org_department=department, year=year + 2)
        offered = _line(drafter, published, year + 2, world.school, [unit], partner=partner)
        services.plan_submit(
            actor=drafter, plan=published, deadline=timezone.now() + dt.timedelta(days=2)
        )
        accept_all(published)
        services.plan_decide(actor=approver, plan=published, approve=True)
        plan_publish(actor=approver, plan=published)

        draft_process = process_of(draft, "PlanFlow")
        samples[side] = {
            "plan": draft.pk,
            "plan_line": draft_line.pk,
            "published_plan": published.pk,
            "offered_line": offered.pk,
            # The draft plan's process; the consulted plan's approval; the consultation of
            # the unit allotted seats (the school's, on the city side, is Rita's).
            "plan:process": draft_process.pk,
            "plan:draft": (draft_process.pk, open_task(draft_process, "draft").pk),
            "plan:approval": _task(process_of(consulted, "PlanFlow"), "approval"),
            "consultation:process": consultation_process.pk,
            "consultation:answer": _task(consultation_process, "answer"),
        }
    return samples


def _task(process, node):
    from tests.flowtools import open_task

    return process.pk, open_task(process, node).pk
