"""The needs survey end to end through HTTP: the city dispatcher opens it, each unit
with a liaison gets an answer task, the liaison answers, the head returns it, the
liaison answers again, the head approves; the results count only approved answers."""

from django.contrib.contenttypes.models import ContentType
from viewflow.workflow.status import STATUS

from audit.models import AuditEvent
from surveys.models import AnswerStatus, SurveyAnswer
from surveys.selectors import survey_results
from tests.factories import unit, user
from tests.surveys.kit import (
    TOPICS,
    answer,
    answer_data,
    answer_process,
    decide,
    open_survey,
    open_task,
    task_url,
)


def test_it_sends_the_survey_to_the_units_with_a_liaison_of_its_own_jurisdiction(
    client, world, staff
):
    survey = open_survey(client, world.bob, world)
    # Unit A has Lily; the county's unit B (Luke) answers the county's surveys; A1 and
    # the school have no liaison of their own.
    assert list(survey.answers.values_list("unit", flat=True)) == [world.a.pk]
    assert [q.kind for q in survey.questions.all()] == ["topics", "cadres", "months"]
    assert survey.questions.get(kind="topics").options == TOPICS
    assert AuditEvent.objects.filter(verb="survey.open", target_id=str(survey.pk)).exists()
    county = open_survey(client, world.carol, world, org_department=world.county_od.pk)
    assert list(county.answers.values_list("unit", flat=True)) == [world.b.pk]


def test_the_liaison_answers_the_head_returns_then_approves(client, world, staff):
    survey = open_survey(client, world.bob, world)
    row = SurveyAnswer.objects.get(survey=survey, unit=world.a)
    task = open_task(answer_process(row), "answer")
    client.force_login(staff.lily)
    assert client.post(task_url(task, "assign")).status_code == 302
    page = client.get(task_url(task, "execute")).content.decode()
    assert TOPICS[0] in page and "希望的培训月份" in page
    response = answer(
        client,
        staff.lily,
        row,
        answer_data(TOPICS[:2], "乡村振兴\n党性教育", [3, 9], civil_servant=12, section_leader=3),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    row.refresh_from_db()
    assert row.status == AnswerStatus.AWAITING_APPROVAL
    assert survey_results(survey)["units"]["approved"] == 0

    head_task = open_task(answer_process(row), "head_approval")
    client.force_login(world.alice)
    assert client.post(task_url(head_task, "assign")).status_code == 302
    page = client.get(task_url(head_task, "execute")).content.decode()
    assert "乡村振兴" in page and "12" in page
    assert decide(client, world.alice, row, "return", "人数有误").status_code == 302
    row.refresh_from_db()
    assert row.status == AnswerStatus.RETURNED
    assert row.return_reason == "人数有误"

    assert row.decided_by == world.alice and row.decided_at

    response = answer(client, staff.lily, row, answer_data(TOPICS[:1], "", [3], civil_servant=10))
    assert response.status_code == 302
    # Answered again, it awaits a decision: the returned round's is not shown as its own.
    row.refresh_from_db()
    assert row.decided_by is None and row.decided_at is None
    assert decide(client, world.alice, row, "approve").status_code == 302
    row.refresh_from_db()
    assert row.status == AnswerStatus.APPROVED
    assert answer_process(row).status == "DONE"

    results = survey_results(survey)
    assert results["units"] == {"total": 1, "approved": 1, "pending": 0}
    assert results["cadres"] == 10
    by_topic = {r["topic"]: r for r in results["topics"]}
    assert by_topic[TOPICS[0]] == {"topic": TOPICS[0], "offered": True, "units": 1, "cadres": 10}
    assert by_topic[TOPICS[1]]["units"] == 0  # wanted only in the superseded answer
    assert "乡村振兴" not in by_topic
    verbs = list(
        AuditEvent.objects.filter(
            target_type=ContentType.objects.get_for_model(SurveyAnswer), target_id=str(row.pk)
        )
        .order_by("pk")
        .values_list("verb", flat=True)
    )
    assert verbs == [
        "survey.answer",
        "survey.return",
        "survey.answer",
        "survey.approve",
    ]


def test_the_tasks_show_in_my_tasks_for_the_right_roles(client, world, staff):
    survey = open_survey(client, world.bob, world)
    row = survey.answers.get()
    client.force_login(staff.lily)
    assert survey.title in client.get("/tasks/").content.decode()
    for outsider in (staff.luke, world.charlie, world.dave):
        client.force_login(outsider)
        assert survey.title not in client.get("/tasks/").content.decode()
    answer(client, staff.lily, row, answer_data(TOPICS[:1], months=[5], civil_servant=2))
    client.force_login(world.alice)
    assert survey.title in client.get("/tasks/").content.decode()
    client.force_login(world.charlie)
    assert survey.title not in client.get("/tasks/").content.decode()


def test_a_unit_answers_once(client, world, staff):
    survey = open_survey(client, world.bob, world)
    row = survey.answers.get()
    task = open_task(answer_process(row), "answer")
    answer(client, staff.lily, row, answer_data(TOPICS[:1], civil_servant=2))
    # The task is done: posting it again is "already handled", nothing written.
    before = AuditEvent.objects.count()
    response = client.post(task_url(task, "execute"), answer_data(TOPICS, civil_servant=9))
    assert response.status_code == 302
    assert AuditEvent.objects.count() == before
    assert task.__class__.objects.get(pk=task.pk).status == STATUS.DONE


def test_a_deeper_unit_with_its_own_liaison_gets_its_own_answer(client, world, staff):
    office = unit("办公室", world.a)
    user("olive", "unit_liaison", office)
    survey = open_survey(client, world.bob, world)
    assert set(survey.answers.values_list("unit", flat=True)) == {world.a.pk, office.pk}
