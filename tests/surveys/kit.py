"""Driving the survey flows through HTTP, as the people of the test world would."""

from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from surveys.models import Survey, SurveyAnswer
from tests.flowtools import deadline, process_of

APPS = {"SurveyFlow": "survey", "SurveyAnswerFlow": "surveyanswer"}
TOPICS = ["习近平新时代中国特色社会主义思想", "党性教育", "数字经济"]


def open_form(world, **overrides):
    data = {
        "org_department": world.city_od.pk,
        "year": 2027,
        "title": "2027年度干部教育培训需求调研",
        "deadline": deadline(10),
        "topics": "\n".join(TOPICS),
        "topics_text": "希望参加的培训专题",
        "cadres_text": "各类别需培训干部人数",
        "months_text": "希望的培训月份",
    }
    data.update(overrides)
    return data


def open_survey(client, person, world, **overrides) -> Survey:
    client.force_login(person)
    response = client.post("/workflow/survey/start/", open_form(world, **overrides))
    assert response.status_code == 302, response.content.decode()[:3000]
    return Survey.objects.latest("pk")


def task_url(task, action=""):
    app = APPS[task.flow_task.flow_class.__name__]
    suffix = f"{action}/" if action else ""
    return f"/workflow/{app}/{task.process_id}/{task.flow_task.name}/{task.pk}/{suffix}"


def open_task(process, node):
    return Task.objects.filter(
        process=process, flow_task__endswith=f".{node}", status__in=[STATUS.NEW, STATUS.ASSIGNED]
    ).get()


def act(client, task, data):
    task.refresh_from_db()
    if task.status == STATUS.NEW:
        response = client.post(task_url(task, "assign"))
        assert response.status_code == 302, (response.status_code, task_url(task, "assign"))
    return client.post(task_url(task, "execute"), data)


def answer_process(answer: SurveyAnswer):
    return process_of(answer, "SurveyAnswerFlow")


def answer_data(topics=(), own="", months=(), **cadres):
    data = {"topics": list(topics), "own_topics": own, "months": list(months)}
    data.update({f"cadres_{k}": v for k, v in cadres.items()})
    return data


def answer(client, liaison, answer_row, data):
    client.force_login(liaison)
    return act(client, open_task(answer_process(answer_row), "answer"), data)


def decide(client, head, answer_row, decision, reason=""):
    client.force_login(head)
    return act(
        client,
        open_task(answer_process(answer_row), "head_approval"),
        {"decision": decision, "reason": reason},
    )
