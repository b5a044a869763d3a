"""Benchmark: the feedback report over 100,000 answers (goal ≤ 2 s on PostgreSQL).

200 classes of the city's department at the party school, 500 trainees each, every one
attended and answered (scores 1–5), with a follow-up per trainee (half of them done).
Measured: the report's first page (50 classes), the per-institution report, the whole
export's figures (every class) and `yearly_results` for the circular — together, the
"report" figure — as one user, a dispatcher of the whole city.

Prints JSON. Not a test: `python bench/feedback_report.py [answers]`; run it with
DATABASE_URL=postgres://... for the figure the goal refers to.
"""

import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.setup import (  # noqa: E402
    QueryCounter,
    django_test_db,
    id_number_sql,
    series_sql,
    teardown,
)

ANSWERS = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
CLASSES = 200
TRAINEES = max(1, ANSWERS // CLASSES)


def load(connection, world):
    from org.models import Cadre
    from tests.factories import training_class

    classes = [
        training_class(
            world.city_od,
            world.school,
            dt.date(2026, 1, 1) + dt.timedelta(days=i % 300),
            name=f"班次{i}",
            quota=10000,
        )
        for i in range(CLASSES)
    ]
    first_class = min(c.pk for c in classes)
    n = CLASSES * TRAINEES
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Cadre._meta.db_table} (name, gender, id_number, unit_id, position, rank, "
            "category, is_leadership_member, is_young_cadre, managing_org_department_id) "
            f"SELECT 'C' || i, 'M', {id_number_sql(connection, 'i')}, {world.a.pk}, "
            f"'科员', '', 'civil_servant', false, false, {world.city_od.pk} "
            f"{series_sql(connection, TRAINEES)}"
        )
        cursor.execute(f"SELECT min(id) FROM {Cadre._meta.db_table} WHERE id_number LIKE '9%%'")
        first_cadre = cursor.fetchone()[0]
        # Trainee i % TRAINEES in class i // TRAINEES.
        cursor.execute(
            "INSERT INTO dispatch_dispatch (training_class_id, cadre_id, unit_id, kind, status, "
            "confirm_due, request_kind, request_reason, request_attachment, notice_reference, "
            "attendance, leave_hours, flagged_for_circular, escalated, cancel_reason, created_at) "
            f"SELECT {first_class} + (i / {TRAINEES}), {first_cadre} + (i % {TRAINEES}), "
            f"{world.a.pk}, 'regular', 'attended', CURRENT_TIMESTAMP, '', '', '', '', 'present', "
            f"0, false, false, '', CURRENT_TIMESTAMP {series_sql(connection, n)}"
        )
        cursor.execute(
            "INSERT INTO feedback_evaluation (training_class_id, cadre_id, dispatch_id, status, "
            "score, comment, created_at, submitted_at) "
            "SELECT training_class_id, cadre_id, id, 'submitted', 1 + (id % 5), '', "
            "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM dispatch_dispatch"
        )
        cursor.execute(
            "INSERT INTO feedback_followup (training_class_id, cadre_id, unit_id, dispatch_id, "
            "status, due_on, escalated, applied, rating, comment) "
            "SELECT training_class_id, cadre_id, unit_id, id, "
            "CASE WHEN id % 2 = 0 THEN 'done' ELSE 'open' END, '2026-06-01', false, "
            "CASE WHEN id % 2 = 1 THEN '' WHEN id % 3 = 0 THEN 'yes' WHEN id % 3 = 1 "
            "THEN 'partly' ELSE 'no' END, "
            "CASE WHEN id % 2 = 0 THEN 1 + (id % 5) END, '' FROM dispatch_dispatch"
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def report(world):
    from feedback import selectors

    classes = selectors.report_classes(world.bob)
    page = selectors.class_lines(classes[:50])
    institutions = selectors.institution_lines(classes)
    export = selectors.class_lines(classes)
    yearly = selectors.yearly_results(world.city_od, 2026)
    return page, institutions, export, yearly


def main():
    connection, name = django_test_db()
    try:
        from feedback.models import Evaluation
        from tests.factories import World

        world = World()
        started = time.perf_counter()
        load(connection, world)
        load_seconds = time.perf_counter() - started
        timings = []
        for _ in range(3):
            with QueryCounter(connection) as queries:
                started = time.perf_counter()
                page, institutions, export, yearly = report(world)
                timings.append(time.perf_counter() - started)
        answers = Evaluation.objects.filter(status="submitted").count()
        assert sum(line["answered"] for line in export) == answers
        assert institutions[0]["answered"] == answers
        assert len(page) == 50 and len(yearly["classes"]) == CLASSES
        print(
            json.dumps(
                {
                    "benchmark": "feedback_report",
                    "database": connection.vendor,
                    "answers": answers,
                    "classes": CLASSES,
                    "report_seconds_best_of_3": round(min(timings), 2),
                    "report_seconds_first": round(timings[0], 2),
                    "queries": queries.count,
                    "reconciles": True,
                    "load_seconds": round(load_seconds, 1),
                    "goal_seconds": 2.0,
                    "load_average": [round(x, 2) for x in os.getloadavg()],
                },
                ensure_ascii=False,
            )
        )
    finally:
        teardown(connection, name)


if __name__ == "__main__":
    main()
