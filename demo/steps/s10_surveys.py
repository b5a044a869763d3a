"""The demo's needs surveys for next year's training (2027 when seeded in 2026): the
city's dispatcher opens the city's; most of the city's units answer and their heads
approve; a few are pending — two not answered yet, one waiting for its head, one
returned to its liaison. 青山县's dispatcher opens the county's, which its plan for the
year (`s20_planning`) is drafted beside: all but one of its units answer."""

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.utils import timezone

from core.deadlines import close_of_business
from org.models import CadreCategory, OrgDepartment
from surveys import services
from surveys.flows import SurveyAnswerFlow, SurveyFlow
from surveys.models import Survey
from workflow.runtime import complete_task, open_task, processes_of, start_process_as

TOPICS = [
    "习近平新时代中国特色社会主义思想",
    "党性教育和党的作风建设",
    "推动高质量发展",
    "数字经济与数字政府",
    "防范化解重大风险",
    "乡村振兴",
    "应急管理",
    "基层治理",
]
OWN_TOPICS = ["安全生产", "招商引资实务", "教育数字化", "公立医院改革"]
#: the surveys: (the department's jurisdiction code, its dispatcher, the units left
#: pending — {index from the end of the list: what happened}, the answers' random seed)
SURVEYS = [
    (
        "xx",
        "xx.dispatcher",
        {1: "unanswered", 2: "unanswered", 3: "awaiting_head", 4: "returned"},
        2027,
    ),
    ("qs", "qs.dispatcher", {1: "unanswered"}, 1307),
]


def _user(username):
    return get_user_model().objects.filter(username=username).first()


def _responses(rng: random.Random) -> dict:
    categories = [CadreCategory.SECTION_LEADER, CadreCategory.CIVIL_SERVANT]
    categories += rng.sample(
        [CadreCategory.COUNTY_LEADER, CadreCategory.PROFESSIONAL, CadreCategory.OTHER_MANAGER], 1
    )
    return {
        "topics": rng.sample(TOPICS, rng.randint(2, 4)),
        "own_topics": rng.sample(OWN_TOPICS, 1) if rng.random() < 0.3 else [],
        "cadres": {c: rng.randint(1, 15) for c in categories},
        "months": sorted(rng.sample([3, 4, 5, 6, 9, 10, 11], rng.randint(1, 3))),
    }


def run(today: dt.date) -> bool:
    created = False
    for code, username, pending, seed in SURVEYS:
        created = _survey(today, code, username, pending, seed) or created
    return created


def _survey(today: dt.date, code: str, username: str, pending: dict, seed: int) -> bool:
    department = OrgDepartment.objects.filter(jurisdiction__code=code).first()
    dispatcher = _user(username)
    if department is None or dispatcher is None:
        return False
    year = today.year + 1
    if Survey.objects.filter(org_department=department, year=year).exists():
        return False
    place = "" if code == "xx" else department.jurisdiction.name
    survey = start_process_as(
        SurveyFlow.start,
        dispatcher,
        lambda: services.survey_open(
            actor=dispatcher,
            org_department=department,
            year=year,
            title=f"{place}{year}年度干部教育培训需求调研",
            deadline=close_of_business(timezone.localdate() + dt.timedelta(days=14)),
            questions=[
                {"kind": "topics", "text": "希望参加的培训专题", "options": TOPICS},
                {"kind": "cadres", "text": "各类别需参加培训的干部人数"},
                {"kind": "months", "text": "希望安排培训的月份"},
            ],
        ),
    )
    rng = random.Random(seed)
    answers = list(survey.answers.select_related("unit").order_by("unit__path"))
    for index, answer in enumerate(answers):
        state = pending.get(len(answers) - index, "approved")
        liaison = _user(f"{answer.unit.code}.liaison")
        head = _user(f"{answer.unit.code}.head")
        if state == "unanswered" or liaison is None or head is None:
            continue
        process = processes_of(answer, SurveyAnswerFlow).get()
        responses = _responses(rng)
        complete_task(
            open_task(process, "answer"),
            liaison,
            lambda a=answer, r=responses, u=liaison: services.answer_submit(
                actor=u, answer=a, responses=r
            ),
        )
        if state == "awaiting_head":
            continue
        approve = state == "approved"
        complete_task(
            open_task(process, "head_approval"),
            head,
            lambda a=answer, u=head, ok=approve: services.answer_decide(
                actor=u, answer=a, approve=ok, reason="" if ok else "请按类别核实需培训人数"
            ),
        )
    return True
