"""The training year as its people live it, one story through the pages and flows:

the city's dispatcher opens the needs survey → unit A's liaison answers → A's head
approves → the dispatcher reads the results and drafts the plan from them → the school
and the units allotted seats are consulted → the org department head approves → the plan
is published (classes created) → on the dispatch date the daily command starts the roll
call → A's liaison confirms → the admission notices go out and the trainees acknowledge
→ the school's registrar records attendance → the trainees evaluate the class → three
months later the daily command opens the follow-ups → A's head answers them → the
feedback report and plan against actual show the numbers, reconciled with the dispatches.

At every task the right person finds it in 我的待办, someone of another jurisdiction
gets 404 and someone within reach but without the role gets 403. The clock moves by
date (time_machine), never by sleeping.
"""

import datetime as dt
import re
from contextlib import contextmanager

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.utils import timezone
from viewflow.workflow.status import STATUS

from dispatch.models import Dispatch, DispatchStatus, TrainingClass
from feedback import selectors as feedback_selectors
from feedback.models import Evaluation, FollowUp, FollowUpStatus
from notifications.models import Event, IssuedDocument, Notification
from planning import selectors as plan_selectors
from planning.models import Consultation, ConsultationStatus, Plan, PlanStatus
from surveys.models import AnswerStatus, Survey
from surveys.selectors import survey_results
from tests.factories import aware
from tests.feedback.kit import trainees
from tests.flowtools import fire_at, notified, open_task, process_of
from tests.planning.helpers import dates, good_sessions, session_lines
from tests.surveys.kit import TOPICS, answer_data, answer_process, open_survey

pytestmark = pytest.mark.django_db


# -- small helpers: a task's pages, 我的待办, the refusals ----------------------------------


def url(task, action=""):
    """A task's page: /workflow/<flow>/<process>/<node>/<task>/<action>/."""
    app = task.flow_task.flow_class.__name__.removesuffix("Flow").lower()
    suffix = f"{action}/" if action else ""
    return f"/workflow/{app}/{task.process_id}/{task.flow_task.name}/{task.pk}/{suffix}"


def in_my_tasks(client, person, task) -> bool:
    """Whether `task` is listed in `person`'s 我的待办."""
    client.force_login(person)
    page = client.get("/tasks/").content.decode()
    return f"/{task.process_id}/{task.flow_task.name}/{task.pk}/" in page


def listed_for(client, task, person, *, not_for):
    assert in_my_tasks(client, person, task), (task, person)
    assert not in_my_tasks(client, not_for, task), (task, not_for)


def refused(client, task, *, outsider, lacking, data=None):
    """Another jurisdiction's `outsider` gets 404, `lacking` (in reach, without the role)
    gets 403, on the task's claim and its form; the task stays as it was."""
    status, owner = task.status, task.owner_id
    for person, code in ((outsider, 404), (lacking, 403)):
        client.force_login(person)
        if status == STATUS.NEW:
            assert client.post(url(task, "assign")).status_code == code, (person, task)
        assert client.post(url(task, "execute"), data or {}).status_code == code, (person, task)
    task.refresh_from_db()
    assert (task.status, task.owner_id) == (status, owner)


def act(client, person, task, data):
    """`person` claims the task if it waits in a queue, then submits its form."""
    client.force_login(person)
    task.refresh_from_db()
    if task.status == STATUS.NEW:
        assert client.post(url(task, "assign")).status_code == 302, (person, task)
    response = client.post(url(task, "execute"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    return response


@contextmanager
def on(day: dt.date, hour=9):
    """The calendar at `day`, `hour` o'clock (the clock keeps ticking from there)."""
    with time_machine.travel(aware(day, hour), tick=True):
        yield


# -- the story ---------------------------------------------------------------------------


def test_the_training_year_from_the_needs_survey_to_the_follow_up(client, world, staff):
    start, end = dates(60)
    year = start.year
    people = [world.cadre_a, *trainees(world, 3)]  # four of unit A, each with an account
    accounts = {world.cadre_a.pk: world.dave, **{p.pk: p.user for p in people[1:]}}
    absentee = people[-1]

    # 1. The needs survey: opened by the city's dispatcher, not by a head or a trainee.
    for person in (world.alice, world.dave):
        client.force_login(person)
        assert client.get("/workflow/survey/start/").status_code == 403
    client.force_login(world.carol)  # the county's dispatcher: not the city's survey
    client.post("/workflow/survey/start/", {"org_department": world.city_od.pk, "year": year})
    assert not Survey.objects.exists()
    survey = open_survey(client, world.bob, world, year=year)
    row = survey.answers.get(unit=world.a)

    # A's liaison answers …
    task = open_task(answer_process(row), "answer")
    listed_for(client, task, staff.lily, not_for=staff.luke)
    refused(client, task, outsider=staff.luke, lacking=world.alice)
    wanted = answer_data(TOPICS[:2], "", [3], section_leader=4, civil_servant=6)
    act(client, staff.lily, task, wanted)
    # … and A's head approves.
    task = open_task(answer_process(row), "head_approval")
    listed_for(client, task, world.alice, not_for=world.charlie)
    refused(client, task, outsider=world.charlie, lacking=staff.lily)
    act(client, world.alice, task, {"decision": "approve", "reason": ""})
    row.refresh_from_db()
    assert row.status == AnswerStatus.APPROVED

    # The results, aggregated: the dispatcher reads them; others are refused.
    results = survey_results(survey)
    by_topic = {r["topic"]: r for r in results["topics"]}
    assert results["units"]["approved"] == 1 and results["cadres"] == 10
    assert by_topic[TOPICS[0]]["cadres"] == 10 and by_topic[TOPICS[2]]["units"] == 0
    client.force_login(world.bob)
    assert TOPICS[0] in client.get(f"/surveys/{survey.pk}/results/").content.decode()
    for person in (world.carol, world.dave):  # another jurisdiction; a trainee reaches none
        client.force_login(person)
        assert client.get(f"/surveys/{survey.pk}/results/").status_code == 404

    # 2. The plan, drafted from the results: the most wanted topic for A's section leaders
    # (named), and a seminar whose seats A and the county's B share.
    client.force_login(staff.oscar)  # the head approves plans, does not draft them
    assert client.get("/workflow/plan/start/").status_code == 403
    client.force_login(world.bob)
    response = client.post(
        "/workflow/plan/start/",
        {"org_department": world.city_od.pk, "year": year, "title": f"{year}年度调训计划"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    plan = Plan.objects.get()
    dispatch_on = timezone.localdate() + dt.timedelta(days=20)
    line = {
        "institution": world.school.pk,
        "kind": "main",
        "report_date": start,
        "dispatch_date": dispatch_on,
        "hours": "40",
        "days": 5,
    }
    response = client.post(
        f"/plans/{plan.pk}/lines/add/",
        {
            **line,
            "name": f"{TOPICS[0]}专题班",
            "start_date": start,
            "end_date": end,
            "seats": 4,
            "mode": "named",
            "cadres": "\n".join([p.name for p in people[:3]] + [people[3].id_number]),
            "sessions": session_lines(good_sessions(start)),
            "target_categories": ["section_leader"],
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    seminar_start = start + dt.timedelta(days=10)
    response = client.post(
        f"/plans/{plan.pk}/lines/add/",
        {
            **line,
            "name": f"{TOPICS[1]}研讨班",
            "start_date": seminar_start,
            "end_date": seminar_start + dt.timedelta(days=4),
            "report_date": seminar_start,
            "seats": 3,
            "mode": "quota",
            "allocations": f"{world.a.code}: 2\n{world.b.code}: 1",
            "sessions": session_lines(good_sessions(seminar_start)),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    named_line = plan.lines.get(mode="named")
    assert set(named_line.named_cadres.values_list("pk", flat=True)) == {p.pk for p in people}

    plan_process = process_of(plan, "PlanFlow")
    task = open_task(plan_process, "draft")
    listed_for(client, task, world.bob, not_for=world.carol)
    refused(client, task, outsider=world.carol, lacking=staff.oscar)
    deadline = timezone.localtime() + dt.timedelta(days=3)
    act(client, world.bob, task, {"deadline": deadline.strftime("%Y-%m-%dT%H:%M")})

    # 3. Consultation (会商): the school comments, A's and B's heads accept.
    consultations = {c.unit_id: c for c in Consultation.objects.filter(plan=plan)}
    assert set(consultations) == {world.school_unit.pk, world.a.pk, world.b.pk}

    def consultation_task(unit):
        return open_task(process_of(consultations[unit.pk], "ConsultationFlow"), "answer")

    task = consultation_task(world.a)
    listed_for(client, task, world.alice, not_for=world.charlie)
    refused(client, task, outsider=world.charlie, lacking=staff.lily)
    act(client, world.alice, task, {"decision": "accept"})
    task = consultation_task(world.school_unit)
    listed_for(client, task, world.rita, not_for=world.alice)
    refused(client, task, outsider=world.carol, lacking=world.bob)
    act(client, world.rita, task, {"decision": "comment", "reason": "建议增加现场教学"})
    act(client, world.charlie, consultation_task(world.b), {"decision": "accept"})
    assert set(Consultation.objects.values_list("status", flat=True)) <= {
        ConsultationStatus.ACCEPTED,
        ConsultationStatus.COMMENTED,
    }

    # 4. The org department head approves: published, the classes created.
    task = open_task(plan_process, "approval")
    listed_for(client, task, staff.oscar, not_for=staff.olga)
    refused(client, task, outsider=staff.olga, lacking=world.bob)
    act(client, staff.oscar, task, {"decision": "approve"})
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PUBLISHED
    assert IssuedDocument.objects.filter(pk=plan.document_id, kind="dispatch_plan").exists()
    named_line.refresh_from_db()
    klass = named_line.training_class
    assert klass.quota == 4 and klass.sessions.count() == 4
    assert TrainingClass.objects.count() == 2

    # 5. The roll call starts on the dispatch date, not the day before.
    fire_at(aware(dispatch_on - dt.timedelta(days=1), 6), "start_plan_roll_calls")
    assert not Dispatch.objects.exists()
    fire_at(aware(dispatch_on, 6), "start_plan_roll_calls")
    dispatches = {d.cadre_id: d for d in Dispatch.objects.filter(training_class=klass)}
    assert set(dispatches) == {p.pk for p in people}
    processes = {pk: process_of(d, "DispatchFlow") for pk, d in dispatches.items()}

    with on(dispatch_on):
        # A's liaison confirms each trainee; the notices go out; each acknowledges.
        for n, person in enumerate(people):
            task = open_task(processes[person.pk], "confirm")
            if n == 0:
                listed_for(client, task, staff.lily, not_for=staff.luke)
                refused(client, task, outsider=staff.luke, lacking=world.alice)
            act(client, staff.lily, task, {"action": "confirm"})
        assert {a.username for a in accounts.values()} <= notified(Event.NOTICE_ISSUED)
        for n, person in enumerate(people):
            task = open_task(processes[person.pk], "acknowledge")
            if n == 0:
                listed_for(client, task, world.dave, not_for=world.charlie)
                refused(client, task, outsider=staff.luke, lacking=world.alice)
            act(client, accounts[person.pk], task, {"confirm": "on"})

    attended = [p for p in people if p != absentee]
    with on(start, 10):
        # On the first morning the school's registrar records the no-show absent; the
        # others cannot be recorded present before the class ends.
        task = open_task(processes[absentee.pk], "record_attendance")
        listed_for(client, task, world.rita, not_for=world.carol)
        refused(client, task, outsider=world.carol, lacking=world.bob)
        act(client, world.rita, task, {"result": "absent"})
        early = open_task(processes[attended[0].pk], "record_attendance")
        client.force_login(world.rita)
        assert client.post(url(early, "assign")).status_code == 302
        # The task form says so before anything is sent: 出勤 shown, not to be chosen.
        page = client.get(url(early, "execute")).content.decode()
        radios = re.findall(r'<input type="radio" name="result"[^>]*>', page)
        assert [r for r in radios if "disabled" in r] == [r for r in radios if '"present"' in r]
        assert len(radios) == 3 and "学员须待班次结业" in page
        response = client.post(url(early, "execute"), {"result": "present"})
        assert "学员须待班次结业" in response.content.decode()

    with on(end, 10):
        # On its last day, the three present: each is asked for the evaluation at once.
        for person in attended:
            task = open_task(processes[person.pk], "record_attendance")
            act(client, world.rita, task, {"result": "present"})
    assert {
        d.cadre_id for d in Dispatch.objects.filter(training_class=klass, status="attended")
    } == {p.pk for p in attended}

    # The next morning's daily pass asks nobody twice.
    fire_at(aware(end + dt.timedelta(days=1), 8), "start_follow_ups")
    with on(end, 17):
        # Each trainee who attended evaluates the class and its sessions; nobody else may.
        evaluations = {e.cadre_id: e for e in Evaluation.objects.filter(training_class=klass)}
        assert set(evaluations) == {p.pk for p in attended}
        first = evaluations[world.cadre_a.pk]
        for person in (world.alice, world.charlie, world.rita, accounts[people[1].pk]):
            client.force_login(person)
            assert client.get(f"/feedback/evaluations/{first.pk}/").status_code == 404
        for n, person in enumerate(attended):
            evaluation = evaluations[person.pk]
            # The trainee's message (消息) leads to the evaluation, as does 我的评估.
            assert Notification.objects.filter(
                recipient=accounts[person.pk], url=f"/feedback/evaluations/{evaluation.pk}/"
            ).exists()
            client.force_login(accounts[person.pk])
            assert klass.name in client.get("/feedback/evaluations/").content.decode()
            answers = {"score": str(3 + n), "comment": f"收获{n}"}
            answers.update({f"session_{s.pk}": "5" for s in klass.sessions.all()})
            response = client.post(f"/feedback/evaluations/{evaluation.pk}/", answers)
            assert response.status_code == 302, response.content.decode()[:3000]

    # 6. Three months after the class the follow-ups open for A's head, not before.
    due = end + relativedelta(months=3)
    fire_at(aware(due - dt.timedelta(days=1), 8), "start_follow_ups")
    assert not FollowUp.objects.filter(status=FollowUpStatus.OPEN).exists()
    fire_at(aware(due, 8), "start_follow_ups")
    follow_ups = list(FollowUp.objects.filter(training_class=klass).order_by("pk"))
    assert [f.status for f in follow_ups] == [FollowUpStatus.OPEN] * 3

    with on(due, 10):
        for n, follow_up in enumerate(follow_ups):
            task = open_task(process_of(follow_up, "FollowUpFlow"), "complete")
            if n == 0:
                listed_for(client, task, world.alice, not_for=world.charlie)
                refused(client, task, outsider=world.charlie, lacking=staff.lily)
            applied = ["yes", "yes", "partly"][n]
            act(client, world.alice, task, {"applied": applied, "rating": "4", "comment": ""})

        # 7. The feedback report shows the numbers to the dispatcher, not to the county.
        (figures,) = feedback_selectors.class_lines([klass])
        assert (figures["invited"], figures["answered"], figures["score"]) == (3, 3, 4.0)
        assert (figures["done"], figures["applied_yes"], figures["applied_partly"]) == (3, 2, 1)
        assert figures["rating"] == 4.0
        client.force_login(world.bob)
        page = client.get("/feedback/report/").content.decode()
        assert klass.name in page and "4.0" in page
        page = client.get(f"/feedback/report/classes/{klass.pk}/").content.decode()
        assert "收获0" in page and world.cadre_a.name not in page
        client.force_login(world.carol)
        assert client.get(f"/feedback/report/classes/{klass.pk}/").status_code == 404

        # Plan against actual: the named class planned 4, named 4, attended 3, gap 1;
        # the seminar's seats are planned and not yet named. It reconciles.
        rows = plan_selectors.plan_vs_actual(world.city_od, year)
        named_rows = [r for r in rows if r["class_id"] == klass.pk]
        assert [(r["planned"], r["named"], r["attended"], r["gap"]) for r in named_rows] == [
            (4, 4, 3, 1)
        ]
        assert sum(r["named"] for r in rows) == Dispatch.objects.count()
        assert sum(r["attended"] for r in rows) == (
            Dispatch.objects.filter(status=DispatchStatus.ATTENDED).count()
        )
        assert sum(r["planned"] for r in rows) == 4 + 3
        client.force_login(world.bob)
        page = client.get(f"/plans/{plan.pk}/actual/").content.decode()
        assert (
            '<td data-label="计划名额">4</td><td data-label="已点名">4</td>'
            '<td data-label="已参训">3</td><td data-label="差额">1</td>'
        ) in page
        client.force_login(world.carol)
        assert client.get(f"/plans/{plan.pk}/actual/").status_code == 404
