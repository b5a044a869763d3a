"""Benchmark: publish a yearly dispatch plan of 200 classes × 60 units (seats per unit,
four planned sessions each, meeting the default teaching indicators by their methods) —
the classes, their sessions and audit events in one transaction — then its GB/T 9704
document apart. Prints JSON (goal: publication ≤ 10 s).
Not a test: run `python bench/plan_publish.py [CLASSES] [UNITS]` (DATABASE_URL picks
the database).
"""

import datetime as dt
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.setup import QueryCounter, django_test_db, teardown  # noqa: E402

CLASSES = int(sys.argv[1]) if len(sys.argv) > 1 else 200
UNITS = int(sys.argv[2]) if len(sys.argv) > 2 else 60


def main():
    connection, name = django_test_db()
    try:
        from decimal import Decimal

        from dispatch.models import ClassSession, TrainingClass
        from planning.documents import issue_plan_document
        from planning.models import Plan, PlanAllocation, PlanLine, PlanSession, PlanStatus
        from planning.publishing import plan_publish
        from tests.factories import World, unit, user

        world = World()
        oscar = user("oscar", "org_head", world.root)
        units = [unit(f"单位{i}", world.root) for i in range(UNITS)]
        year = dt.date.today().year + 1
        plan = Plan.objects.create(
            org_department=world.city_od,
            year=year,
            title=f"{year}年度调训计划",
            status=PlanStatus.CONSULTATION,
            created_by=world.bob,
            approved_by=oscar,
        )
        lines = []
        for i in range(CLASSES):
            start = dt.date(year, 1, 5) + dt.timedelta(days=(i * 7) % 350)
            lines.append(
                PlanLine(
                    plan=plan,
                    name=f"第{i + 1}期进修班",
                    institution=world.school,
                    start_date=start,
                    end_date=start + dt.timedelta(days=4),
                    report_date=start,
                    dispatch_date=start - dt.timedelta(days=30),
                    hours=Decimal(40),
                    days=5,
                    seats=UNITS,
                    mode="quota",
                )
            )
        lines = PlanLine.objects.bulk_create(lines)
        if any(line.pk is None for line in lines):
            lines = list(plan.lines.order_by("pk"))
        PlanAllocation.objects.bulk_create(
            [PlanAllocation(line=line, unit=u, seats=1) for line in lines for u in units],
            batch_size=2000,
        )
        # Meets the default teaching indicators: case and interactive teaching by method.
        curriculum = [
            ("party_spirit", 10, True, "lecture"),
            ("party_spirit", 6, False, "case_teaching"),
            ("theory", 8, False, "interactive"),
            ("theory", 16, False, "lecture"),
        ]
        PlanSession.objects.bulk_create(
            [
                PlanSession(
                    line=line,
                    date=line.start_date,
                    title=content,
                    hours=Decimal(hours),
                    teacher="教师",
                    by_leading_cadre=leading,
                    content=content,
                    method=method,
                )
                for line in lines
                for content, hours, leading, method in curriculum
            ],
            batch_size=2000,
        )

        with QueryCounter(connection) as queries:
            started = time.perf_counter()
            plan_publish(actor=oscar, plan=plan)
            seconds = time.perf_counter() - started
        started = time.perf_counter()
        plan.refresh_from_db()
        issue_plan_document(plan, actor=oscar)
        document_seconds = time.perf_counter() - started
        assert TrainingClass.objects.count() == CLASSES
        assert ClassSession.objects.count() == CLASSES * len(curriculum)
        print(
            json.dumps(
                {
                    "benchmark": "plan_publish",
                    "database": connection.vendor,
                    "classes": CLASSES,
                    "units": UNITS,
                    "publish_seconds": round(seconds, 3),
                    "publish_queries": queries.count,
                    "document_seconds": round(document_seconds, 3),
                    "goal_seconds": 10.0,
                },
                ensure_ascii=False,
            )
        )
    finally:
        teardown(connection, name)


if __name__ == "__main__":
    main()
