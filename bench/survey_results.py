"""Benchmark: a needs survey's results (`surveys.selectors.survey_results`) over many
units' approved answers, the survey page's list of units, and the reminder and the
escalation of the answers not approved (one in ten; each unit's head heads ten units'
answers, so each gets one message naming ten; the dispatcher one naming them all).

Prints JSON. Not a test: `python bench/survey_results.py [units]`; DATABASE_URL picks the
database (a throw-away test database is created and dropped).

Each unit answered with 3 of 8 topics (one in five added one of its own), 3 categories'
cadres and 2 months, and nine in ten answers are approved: about 9 lines an answer.
"""

import datetime as dt
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.setup import QueryCounter, django_test_db, teardown  # noqa: E402

UNITS = int(sys.argv[1]) if len(sys.argv) > 1 else 2_000
TOPICS = [f"专题{n}" for n in range(8)]


def load(world):
    from django.utils import timezone

    from org.models import CadreCategory, Unit
    from surveys.models import AnswerLine, QuestionKind, Survey, SurveyAnswer, SurveyQuestion

    Unit.objects.bulk_create(
        Unit(code=f"b{n}", name=f"单位{n}", kind="government", parent=world.root)
        for n in range(UNITS)
    )
    for unit in Unit.objects.filter(code__startswith="b"):
        unit.save()  # paths, as Unit.save keeps them
    survey = Survey.objects.create(
        org_department=world.city_od,
        year=2027,
        title="基准调研",
        deadline=timezone.now() + dt.timedelta(days=10),
    )
    questions = {
        kind: SurveyQuestion.objects.create(
            survey=survey, position=i, kind=kind, text=kind, options=TOPICS if i == 1 else []
        )
        for i, kind in enumerate(QuestionKind.values, start=1)
    }
    rng = random.Random(12)
    answers = SurveyAnswer.objects.bulk_create(
        SurveyAnswer(survey=survey, unit=unit, status="approved" if n % 10 else "awaiting_approval")
        for n, unit in enumerate(Unit.objects.filter(code__startswith="b"))
    )
    lines = []
    for answer in answers:
        for topic in rng.sample(TOPICS, 3):
            lines.append(AnswerLine(answer=answer, question=questions["topics"], topic=topic))
        if rng.random() < 0.2:
            lines.append(
                AnswerLine(
                    answer=answer, question=questions["topics"], topic="自拟", added_by_unit=True
                )
            )
        for category in rng.sample(CadreCategory.values, 3):
            lines.append(
                AnswerLine(
                    answer=answer,
                    question=questions["cadres"],
                    category=category,
                    cadres=rng.randint(1, 20),
                )
            )
        for month in rng.sample(range(1, 13), 2):
            lines.append(AnswerLine(answer=answer, question=questions["months"], month=month))
    AnswerLine.objects.bulk_create(lines, batch_size=5000)
    return survey, len(lines)


def deadline_batches(connection, world, survey) -> dict:
    """The day before the deadline every answer not approved is reminded, then past it
    escalated: seconds, statements and messages of each batch."""
    from django.utils import timezone

    from notifications.models import Notification
    from org.services import role_grant
    from surveys import services
    from surveys.models import Survey
    from tests.factories import user

    waiting = list(survey.answers.exclude(status="approved").select_related("unit"))
    for n in range(0, len(waiting), 10):  # a head for every ten units
        head = user(f"head{n}")
        for answer in waiting[n : n + 10]:
            role_grant(actor=None, user=head, role="department_head", unit=answer.unit)
    now = timezone.now()
    Survey.objects.filter(pk=survey.pk).update(
        deadline=now + dt.timedelta(hours=20), created_at=now - dt.timedelta(days=5)
    )
    survey.refresh_from_db()
    figures = {"answers_waiting": len(waiting)}
    for step, run in (
        ("remind", lambda: services.answers_remind(survey=survey)),
        ("escalate", lambda: services.answers_escalate(survey=survey)),
    ):
        before = Notification.objects.count()
        with QueryCounter(connection) as counter:
            started = time.perf_counter()
            named = run()
            seconds = time.perf_counter() - started
        figures[f"{step}_answers"] = len(named)
        figures[f"{step}_seconds"] = round(seconds, 3)
        figures[f"{step}_queries"] = counter.count
        figures[f"{step}_messages"] = Notification.objects.count() - before
    return figures


def main():
    connection, name = django_test_db()
    try:
        from django.core.paginator import Paginator

        from surveys.selectors import survey_answers, survey_results
        from tests.factories import World

        world = World()
        started = time.perf_counter()
        survey, lines = load(world)
        load_seconds = time.perf_counter() - started
        runs, queries = [], None
        for _ in range(3):
            with QueryCounter(connection) as counter:
                started = time.perf_counter()
                results = survey_results(survey)
                runs.append(time.perf_counter() - started)
            queries = counter.count
        with QueryCounter(connection) as counter:
            started = time.perf_counter()
            page = Paginator(survey_answers(survey), 50).get_page(1)
            rows = [a.unit.name for a in page]
            page_seconds = time.perf_counter() - started
        deadlines = deadline_batches(connection, world, survey)
        print(
            json.dumps(
                {
                    "benchmark": "survey_results",
                    "database": connection.vendor,
                    "units": UNITS,
                    "answer_lines": lines,
                    "approved": results["units"]["approved"],
                    "cadres": results["cadres"],
                    "first_run_seconds": round(runs[0], 3),
                    "best_seconds": round(min(runs), 3),
                    "queries": queries,
                    "units_page_seconds": round(page_seconds, 3),
                    "units_page_rows": len(rows),
                    "units_page_queries": counter.count,
                    "load_seconds": round(load_seconds, 1),
                    **deadlines,
                },
                ensure_ascii=False,
            )
        )
    finally:
        teardown(connection, name)


if __name__ == "__main__":
    main()
