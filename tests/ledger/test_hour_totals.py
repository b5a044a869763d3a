"""The running totals of hours (HourTotal): kept by every write of the ledger in the same
transaction, equal to what the rebuild counts from the ledger, safe when writers race,
and read by compliance with the same results as aggregating the ledger itself."""

import datetime as dt
import random
import threading
import time
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, F, FloatField, Q, Sum, Value, When
from django.db.models.functions import Cast, Coalesce, Greatest

from audit.services import change
from ledger import compliance, totals
from ledger import services as ledger_services
from ledger.models import HourRecord, HourTotal, IndicatorRule
from org.models import Cadre
from tests.factories import cadre, credit

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="races need PostgreSQL's row locks; SQLite serialises every writer",
)


def stored():
    return totals.stored_sums()


def counted():
    return totals.ledger_sums()


# Splitting a window into years of totals and days of the ledger


def test_a_window_of_whole_years_reads_the_totals_alone():
    split = totals.split_window(dt.date(2023, 1, 1), dt.date(2027, 12, 31))
    assert (split.first_year, split.last_year, split.spans) == (2023, 2027, ())


def test_a_window_reads_at_most_half_a_year_of_the_ledger_at_each_edge():
    # The rolling five years to 30 November 2026: the first year adds December 2021,
    # the last takes away December 2026.
    split = totals.split_window(dt.date(2021, 12, 1), dt.date(2026, 11, 30))
    assert (split.first_year, split.last_year) == (2022, 2026)
    assert split.spans == (
        (1, dt.date(2021, 12, 1), dt.date(2021, 12, 31)),
        (-1, dt.date(2026, 12, 1), dt.date(2026, 12, 31)),
    )
    # The calendar year to the end of March: three months of the ledger, no totals.
    split = totals.split_window(dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert not split.has_years and split.spans == ((1, dt.date(2026, 1, 1), dt.date(2026, 3, 31)),)
    assert totals.split_window(dt.date(2026, 6, 2), dt.date(2026, 6, 1)) is None


def test_every_day_of_any_window_counts_exactly_once():
    rng = random.Random(3)
    for _ in range(300):
        start = dt.date(2020, 1, 1) + dt.timedelta(days=rng.randint(0, 2500))
        end = start + dt.timedelta(days=rng.randint(0, 2000))
        split = totals.split_window(start, end)
        for day in (start, end, start - dt.timedelta(days=1), end + dt.timedelta(days=1)):
            weight = int(split.first_year <= day.year <= split.last_year)
            weight += sum(sign for sign, first, last in split.spans if first <= day <= last)
            assert weight == int(start <= day <= end), (start, end, day)


# Every write keeps the totals


def test_every_kind_of_write_keeps_the_totals_equal_to_the_ledger(world, leader, clerk):
    credit(leader, 40, dt.date(2025, 5, 1), days=Decimal(5))
    credit(leader, 3.5, dt.date(2025, 7, 1), kind="online")
    pending = credit(clerk, 8, dt.date(2026, 2, 1), status="pending")
    assert stored() == counted()
    assert stored()[(leader.pk, "concentrated", 2025)] == (40.0, 5.0, 0.0, 1)
    assert (clerk.pk, "concentrated", 2026) not in stored()  # pending hours do not count

    HourRecord.objects.bulk_create(
        [
            HourRecord(
                cadre=clerk,
                date=dt.date(2026, 3, d),
                hours=Decimal("2.5"),
                kind="online",
                source="online_import",
                source_key=f"bulk:{d}",
            )
            for d in range(1, 11)
        ]
    )
    assert stored()[(clerk.pk, "online", 2026)] == (25.0, 0.0, 25.0, 10)

    ledger_services.recognition_decided(record=pending, approved=True)  # pending → counted
    assert stored()[(clerk.pk, "concentrated", 2026)] == (8.0, 0.0, 8.0, 1)
    # A correction moves the hours to another year and kind, through audit.change …
    record = HourRecord.objects.get(cadre=leader, kind="concentrated")
    change(actor=None, instance=record, verb="hours.correct", date=dt.date(2024, 12, 31))
    # … a plain save, and a queryset update.
    online = HourRecord.objects.get(cadre=leader, kind="online")
    online.hours = Decimal("4.0")
    online.save()
    HourRecord.objects.filter(cadre=clerk, kind="online", date__day__lte=2).update(
        status="rejected"
    )
    assert stored() == counted()
    assert stored()[(leader.pk, "concentrated", 2024)] == (40.0, 5.0, 0.0, 1)
    assert (leader.pk, "concentrated", 2025) not in stored()
    assert stored()[(clerk.pk, "online", 2026)] == (20.0, 0.0, 20.0, 8)


def test_a_write_that_fails_leaves_the_totals_as_they_were(world, clerk):
    credit(clerk, 10, dt.date(2026, 1, 5))
    before = stored()
    duplicate = HourRecord(
        cadre=clerk,
        date=dt.date(2026, 1, 6),
        hours=Decimal(5),
        kind="concentrated",
        source="class",
        source_key=HourRecord.objects.get().source_key,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        HourRecord.objects.bulk_create([duplicate])
    assert stored() == before == counted()


def test_the_rebuild_counts_what_the_writes_kept(world, leader, clerk):
    rng = random.Random(11)
    people = [leader, clerk, world.cadre_a, world.cadre_a1, world.cadre_b]
    records = []
    for _ in range(120):
        records.append(
            credit(
                rng.choice(people),
                rng.choice([0.5, 2, 7.5, 24, 40]),
                dt.date(2021, 1, 1) + dt.timedelta(days=rng.randint(0, 2200)),
                kind=rng.choice(["concentrated", "online"]),
                days=rng.choice([None, Decimal(1), Decimal("2.5")]),
                status=rng.choice(["recognized", "recognized", "pending", "rejected"]),
            )
        )
    for record in rng.sample(records, 30):
        change(
            actor=None,
            instance=record,
            verb="hours.correct",
            status=rng.choice(["recognized", "rejected"]),
            hours=Decimal(rng.randint(1, 30)),
        )
    kept, kept_five_years = stored(), totals.stored_five_year_sums()
    assert kept == counted()
    assert kept_five_years == totals.ledger_five_year_sums()
    HourTotal.objects.all().delete()
    call_command("rebuild_hour_totals", verbosity=0)
    assert stored() == kept
    assert totals.stored_five_year_sums() == kept_five_years
    call_command("rebuild_hour_totals", "--check", verbosity=0)  # exits 1 when they differ


# The five-year sums: a total also holds the five years that end with its year


def five_years():
    return totals.stored_five_year_sums()


def test_every_kind_of_write_keeps_the_five_year_sums_equal_to_the_ledger(
    world, login, leader, clerk
):
    credit(leader, 40, dt.date(2022, 5, 1), days=Decimal(5))
    credit(leader, 10, dt.date(2024, 7, 1))
    pending = credit(clerk, 8, dt.date(2026, 2, 1), status="pending")
    # A record of 2022 counts in the five years ending 2022 … 2026, not in those to 2027.
    assert five_years()[(leader.pk, "concentrated", 2026)] == (50.0, 5.0, 10.0)
    assert five_years()[(leader.pk, "concentrated", 2027)] == (10.0, 0.0, 10.0)
    assert five_years()[(leader.pk, "concentrated", 2028)] == (10.0, 0.0, 10.0)
    assert (leader.pk, "concentrated", 2029) not in five_years()
    assert (clerk.pk, "concentrated", 2026) not in five_years()  # pending
    # An import of online hours (the CSV through the pages, committed in bulk) …
    text = "身份证号码,姓名,学习日期,学时,课程,平台\n" + "\n".join(
        f"{c.id_number},{c.name},2025-03-0{n},2.5,党史,网院"
        for n, c in enumerate([world.cadre_a, world.cadre_a1], start=1)
    )
    client = login(world.bob)
    upload = SimpleUploadedFile("hours.csv", text.encode("utf-8"), content_type="text/csv")
    response = client.post("/hours/import/", {"file": upload})
    client.post(response.url)
    assert five_years()[(world.cadre_a.pk, "online", 2029)] == (2.5, 0.0, 2.5)
    # … a decision, a correction to another year through audit.change, a plain save and
    # a queryset update.
    ledger_services.recognition_decided(record=pending, approved=True)
    record = HourRecord.objects.get(cadre=leader, date=dt.date(2022, 5, 1))
    change(actor=None, instance=record, verb="hours.correct", date=dt.date(2021, 12, 31))
    later = HourRecord.objects.get(cadre=leader, date=dt.date(2024, 7, 1))
    later.hours = Decimal("12.5")
    later.save()
    HourRecord.objects.filter(cadre__in=[world.cadre_a, world.cadre_a1]).update(status="rejected")
    assert five_years() == totals.ledger_five_year_sums()
    assert five_years()[(leader.pk, "concentrated", 2025)] == (52.5, 5.0, 12.5)
    assert five_years()[(leader.pk, "concentrated", 2026)] == (12.5, 0.0, 12.5)
    assert (world.cadre_a.pk, "online", 2025) not in five_years()
    assert stored() == counted()


def test_the_check_finds_a_drifted_five_year_sum_and_the_rebuild_mends_it(world, leader):
    credit(leader, 30, dt.date(2023, 3, 1))
    credit(leader, 20, dt.date(2026, 3, 1), kind="online")
    call_command("rebuild_hour_totals", "--check", verbosity=0)
    HourTotal.objects.filter(cadre=leader, year=2026, kind="concentrated").update(
        hours_5y=Decimal(29)
    )
    assert totals.differences() == {(leader.pk, "concentrated", 2026)}
    with pytest.raises(SystemExit):
        call_command("rebuild_hour_totals", "--check", verbosity=0)
    call_command("rebuild_hour_totals", verbosity=0)
    assert totals.differences() == set()
    assert five_years()[(leader.pk, "concentrated", 2026)] == (30.0, 0.0, 30.0)
    assert stored()[(leader.pk, "online", 2026)] == (20.0, 0.0, 20.0, 1)


def test_a_five_year_window_counts_the_totals_of_one_year_per_cadre(
    world, leader, django_assert_max_num_queries
):
    # 600 hours in 2021 and 549 in the five years to 2026: on the last day of 2026 the
    # rolling five years are 2022–2026 exactly (no day of the ledger read), one hour short.
    credit(leader, 600, dt.date(2021, 12, 31))
    credit(leader, 300, dt.date(2022, 1, 1))
    credit(leader, 249, dt.date(2026, 12, 31))
    credit(leader, 50, dt.date(2027, 1, 1))  # after the day evaluated
    split = totals.split_window(dt.date(2022, 1, 1), dt.date(2026, 12, 31))
    assert (split.first_year, split.last_year, split.spans) == (2022, 2026, ())
    row = compliance.for_cadre(leader, dt.date(2026, 12, 31))
    concentrated = next(r for r in row["rules"] if r["kind"] == "concentrated")
    assert concentrated["hours"] == pytest.approx(549)
    assert concentrated["status"] != "met"
    # The day before, the window takes in 31 December 2021 and leaves out 31 December 2026.
    row = compliance.for_cadre(leader, dt.date(2026, 12, 30))
    concentrated = next(r for r in row["rules"] if r["kind"] == "concentrated")
    assert concentrated["hours"] == pytest.approx(900)
    assert concentrated["status"] == "met"


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_writers_racing_on_one_total_both_count():
    from tests.factories import World

    world = World()
    person = world.cadre_a
    barrier = threading.Barrier(6)
    errors = []

    def write(n):
        try:
            barrier.wait(timeout=30)
            with transaction.atomic():
                credit(person, n, dt.date(2026, 4, n))
                time.sleep(0.05)  # hold the total's row while the others arrive
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(1, 7)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert stored()[(person.pk, "concentrated", 2026)] == (21.0, 0.0, 21.0, 6)
    assert stored() == counted()
    assert totals.stored_five_year_sums() == totals.ledger_five_year_sums()
    assert totals.stored_five_year_sums()[(person.pk, "concentrated", 2030)] == (21.0, 0.0, 21.0)


# Compliance from the totals gives what aggregating the ledger gave


def legacy_evaluate(cadres, as_of, since=None):
    """The aggregation compliance used before the totals: every record joined and summed
    per cadre (kept here to compare against)."""
    rows = {}
    for profile in compliance.profiles(as_of):
        first, second, statuses, meta = {}, {}, [], []
        for rule in profile.rules:
            prefix = f"r{rule.pk}"
            window = compliance.window_for(rule, as_of)
            start = max(window.start, since) if since else window.start
            in_window = Q(
                hours__kind=rule.kind,
                hours__status="recognized",
                hours__date__gte=start,
                hours__date__lte=window.end,
            )
            raw_hours = Cast("hours__hours", FloatField())
            raw_days = Coalesce(
                Cast("hours__days", FloatField()), raw_hours / Value(float(rule.hours_per_day))
            )
            first[f"{prefix}_hours"] = Coalesce(Sum(raw_hours, filter=in_window), Value(0.0))
            first[f"{prefix}_days"] = Coalesce(Sum(raw_days, filter=in_window), Value(0.0))
            h, d = F(f"{prefix}_hours"), F(f"{prefix}_days")
            progress = h / Value(float(rule.min_hours) or 1.0)
            met = Q(**{f"{prefix}_hours__gte": float(rule.min_hours)})
            if rule.alt_min_days:
                progress = Greatest(progress, d / Value(float(rule.alt_min_days)))
                met |= Q(**{f"{prefix}_days__gte": float(rule.alt_min_days)})
            whens = [
                When(met, then=Value(compliance.MET)),
                When(**{f"{prefix}_progress__gte": window.elapsed}, then=Value("on_track")),
            ]
            if window.at_risk_from is not None:
                whens.append(
                    When(**{f"{prefix}_progress__gte": window.at_risk_from}, then=Value("at_risk"))
                )
            second[f"{prefix}_progress"] = progress
            second[f"{prefix}_status"] = Case(*whens, default=Value("short"))
            statuses.append(f"{prefix}_status")
            meta.append((prefix, rule))
        queryset = (
            cadres.filter(category__in=profile.categories)
            .order_by()
            .annotate(**first)
            .annotate(**second)
        )
        for values in queryset.values("id", *first, *second):
            found = [values[s] for s in statuses]
            overall = next((s for s in compliance.ORDER if s in found), compliance.MET)
            rows[values["id"]] = (
                overall,
                [
                    tuple(values[f"{prefix}_{n}"] for n in ("hours", "days", "progress", "status"))
                    for prefix, _rule in meta
                ],
            )
    return rows


@pytest.fixture
def varied_ledger(world):
    """Cadres of every profile (with a plan-period rule converting at 7.5 hours a day for
    section leaders) and records of every kind and status, many on a window's edge."""
    for kind, window in (("concentrated", "plan_period"), ("online", "plan_period")):
        IndicatorRule.objects.create(
            code=f"b-section-{kind}",
            group="B",
            categories=["section_leader"],
            kind=kind,
            window=window,
            min_hours=200 if kind == "concentrated" else 60,
            alt_min_days=30 if kind == "concentrated" else None,
            hours_per_day=Decimal("7.5"),
            effective_from=dt.date(2023, 1, 1),
        )
    rng = random.Random(5)
    categories = ["county_leader", "pi_senior", "civil_servant", "section_leader", "professional"]
    people = [
        cadre(f"干部{n}", rng.choice([world.a, world.a1, world.b]), world.city_od, category=c)
        for n in range(30)
        for c in [categories[n % len(categories)]]
    ]
    edges = [
        dt.date(2021, 12, 1),
        dt.date(2021, 11, 30),
        dt.date(2022, 12, 31),
        dt.date(2023, 1, 1),
        dt.date(2025, 6, 15),
        dt.date(2025, 6, 16),
        dt.date(2026, 11, 30),
        dt.date(2026, 12, 1),
        dt.date(2026, 12, 31),
        dt.date(2027, 12, 31),
    ]
    for person in people:
        for _ in range(rng.randint(0, 14)):
            day = (
                rng.choice(edges)
                if rng.random() < 0.4
                else dt.date(2020, 1, 1) + dt.timedelta(days=rng.randint(0, 2900))
            )
            credit(
                person,
                rng.choice([0.5, 4, 7.5, 16, 40, 90, 120, 300]),
                day,
                kind=rng.choice(["concentrated", "online"]),
                days=rng.choice([None, None, Decimal(2), Decimal("12.5")]),
                status=rng.choice(["recognized"] * 4 + ["pending", "rejected"]),
            )
    return people


AS_OF_DAYS = [
    dt.date(2026, 12, 31),
    dt.date(2026, 11, 30),
    dt.date(2025, 6, 15),
    dt.date(2027, 12, 31),
    dt.date(2023, 1, 1),
    dt.date(2028, 3, 1),
]


@pytest.mark.parametrize("since", [None, dt.date(2024, 3, 10), dt.date(2026, 6, 1)])
def test_compliance_from_the_totals_equals_the_aggregated_ledger(varied_ledger, since):
    cadres = Cadre.objects.all()
    seen = set()
    for as_of in AS_OF_DAYS:
        old = legacy_evaluate(cadres, as_of, since)
        seen |= {status for status, _ in old.values()}
        new = {
            row["cadre_id"]: (
                row["status"],
                [(r["hours"], r["days"], r["progress"], r["status"]) for r in row["rules"]],
            )
            for row in compliance.evaluate(cadres, as_of, since)
        }
        assert new.keys() == old.keys()
        for pk, (status, rules) in old.items():
            assert new[pk][0] == status, (as_of, pk)
            for (h, d, p, s), (h2, d2, p2, s2) in zip(rules, new[pk][1], strict=True):
                assert (h2, d2, p2, s2) == (
                    pytest.approx(h),
                    pytest.approx(d),
                    pytest.approx(p),
                    s,
                ), (as_of, pk)
    assert seen >= {"met", "at_risk", "short"}  # a world that tells them apart
    if since is None:
        assert "on_track" in seen


def test_evaluate_translates_each_rule_label_once_and_reads_no_record_per_cadre(
    varied_ledger, monkeypatch, django_assert_max_num_queries
):
    labels = []
    real = compliance.rule_label
    monkeypatch.setattr(compliance, "rule_label", lambda rule: labels.append(rule.pk) or real(rule))
    as_of = dt.date(2026, 11, 30)
    rule_count = sum(len(p.rules) for p in compliance.profiles(as_of))
    with django_assert_max_num_queries(1 + len(compliance.profiles(as_of))):
        rows = compliance.evaluate(Cadre.objects.all(), as_of)
    assert len(rows) > 30
    assert len(labels) == rule_count
    assert rows[0]["rules"][0]["label"] == real(
        IndicatorRule.objects.get(pk=rows[0]["rules"][0]["rule_id"])
    )
