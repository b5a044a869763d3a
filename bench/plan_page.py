"""Benchmark: the plan page (/plans/<id>/) of a draft yearly plan of 200 classes × 60
units (seats per unit, four planned sessions each), as its drafter (the city dispatcher,
who is offered Change and Remove on every line) and as the org department head (who may
waive). Each page is fetched through Django's test client ROUNDS times (median server
time), with its size and query count: the first page of lines and the last.
Prints JSON (goal: ≤ 150 ms median, ≤ 200 KB, the same queries on every page).
Not a test: run `python bench/plan_page.py [CLASSES] [UNITS] [--rounds 5]` (DATABASE_URL
picks the database; a throw-away test database is created and dropped).
"""

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.setup import django_test_db, measure_page, teardown  # noqa: E402


def build(world, classes: int, units_count: int):
    from decimal import Decimal

    from planning.models import Plan, PlanAllocation, PlanLine, PlanSession
    from tests.factories import unit

    units = [unit(f"单位{i}", world.root) for i in range(units_count)]
    year = dt.date.today().year + 1
    plan = Plan.objects.create(
        org_department=world.city_od,
        year=year,
        title=f"{year}年度调训计划",
        created_by=world.bob,
    )
    lines = PlanLine.objects.bulk_create(
        [
            PlanLine(
                plan=plan,
                name=f"第{i + 1}期进修班",
                institution=world.school,
                start_date=dt.date(year, 1, 5) + dt.timedelta(days=(i * 7) % 350),
                end_date=dt.date(year, 1, 9) + dt.timedelta(days=(i * 7) % 350),
                report_date=dt.date(year, 1, 5) + dt.timedelta(days=(i * 7) % 350),
                dispatch_date=dt.date(year, 1, 5) + dt.timedelta(days=(i * 7) % 350 - 30),
                hours=Decimal(40),
                days=5,
                seats=units_count,
                target_categories=["county_leader", "soe_leader"],
                mode="quota",
            )
            for i in range(classes)
        ]
    )
    if any(line.pk is None for line in lines):
        lines = list(plan.lines.order_by("pk"))
    PlanAllocation.objects.bulk_create(
        [PlanAllocation(line=line, unit=u, seats=1) for line in lines for u in units],
        batch_size=2000,
    )
    PlanSession.objects.bulk_create(
        [
            PlanSession(
                line=line,
                date=line.start_date,
                title=content,
                hours=Decimal(hours),
                teacher="教师",
                content=content,
            )
            for line in lines
            for content, hours in (
                ("party_spirit", 10),
                ("party_spirit", 6),
                ("theory", 8),
                ("theory", 16),
            )
        ],
        batch_size=2000,
    )
    return plan


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("classes", nargs="?", type=int, default=200)
    parser.add_argument("units", nargs="?", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    connection, name = django_test_db()
    try:
        from django.test import Client

        from tests.factories import World
        from tests.flowtools import Staff

        world = World()
        staff = Staff(world)
        plan = build(world, args.classes, args.units)
        drafter, approver = Client(), Client()
        drafter.force_login(world.bob)
        approver.force_login(staff.oscar)
        last = 1_000_000  # past the last page: the paginator shows the last one
        pages = {
            "drafter_first": measure_page(connection, drafter, f"/plans/{plan.pk}/", args.rounds),
            "drafter_last": measure_page(
                connection, drafter, f"/plans/{plan.pk}/?page={last}", args.rounds
            ),
            "approver_first": measure_page(connection, approver, f"/plans/{plan.pk}/", args.rounds),
        }
        print(
            json.dumps(
                {
                    "benchmark": "plan_page",
                    "database": connection.vendor,
                    "classes": args.classes,
                    "units": args.units,
                    "pages": pages,
                    "goal_ms": 150.0,
                    "goal_kb": 200.0,
                },
                ensure_ascii=False,
            )
        )
    finally:
        teardown(connection, name)


if __name__ == "__main__":
    main()
