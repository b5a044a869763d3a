"""The indicators of DOMAIN.md evaluated on worked examples, set-based."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from ledger import compliance
from ledger import services as ledger_services
from ledger.models import HourRecord, IndicatorRule
from org.models import Cadre
from tests.factories import cadre, credit

AS_OF = dt.date(2026, 12, 31)  # the last day of a calendar year: the year has fully elapsed


def status(person, as_of=AS_OF):
    return compliance.for_cadre(person, as_of)


def rule(row, kind):
    return next(r for r in row["rules"] if r["kind"] == kind)


def test_group_a_meets_550_hours_in_five_years_plus_50_online_hours(leader):
    credit(leader, 300, dt.date(2022, 6, 1))
    credit(leader, 250, dt.date(2025, 3, 1))
    credit(leader, 50, dt.date(2026, 5, 1), kind="online")
    row = status(leader)
    assert row["group"] == "A"
    assert rule(row, "concentrated")["hours"] == 550
    assert rule(row, "concentrated")["status"] == "met"
    assert rule(row, "online")["status"] == "met"
    assert row["status"] == "met"


def test_group_a_one_hour_short_is_not_met(leader):
    credit(leader, 549, dt.date(2024, 1, 1))
    credit(leader, 50, dt.date(2026, 5, 1), kind="online")
    row = status(leader)
    assert rule(row, "concentrated")["status"] != "met"
    # Four fifths of the plan's five-year cycle are gone; 549/550 is well ahead of pace.
    assert rule(row, "concentrated")["status"] == "on_track"
    assert row["status"] == "on_track"
    # On the cycle's last day, one hour short is short.
    last_day = status(leader, dt.date(2027, 12, 31))
    assert rule(last_day, "concentrated")["status"] == "short"


def test_group_a_three_months_of_days_meet_it_without_550_hours(leader):
    credit(leader, 400, dt.date(2025, 3, 1), days=90)
    credit(leader, 50, dt.date(2026, 5, 1), kind="online")
    assert rule(status(leader), "concentrated")["status"] == "met"


def test_the_five_year_window_is_rolling(leader):
    credit(leader, 550, dt.date(2022, 1, 1))  # exactly five years before 2026-12-31 + 1 day
    assert rule(status(leader), "concentrated")["hours"] == 550
    assert rule(status(leader, dt.date(2027, 1, 1)), "concentrated")["hours"] == 0


# The rolling five-year window is paced by the plan's five-year cycle (2023–2027, then
# 2028–2032, …): on track at or above the elapsed share of the cycle, at risk below it
# while the cycle runs, short when its last day comes and the requirement is not met.

MID_CYCLE = dt.date(2025, 7, 1)  # day 913 of the 1,826 of 2023–2027: exactly half


def concentrated(person, as_of):
    return rule(status(person, as_of), "concentrated")


def test_the_rolling_window_is_paced_by_the_plans_cycle():
    from ledger.models import RuleWindow

    five_years = IndicatorRule(window=RuleWindow.ROLLING_5_YEARS)
    window = compliance.window_for(five_years, MID_CYCLE)
    assert (window.start, window.end) == (dt.date(2020, 7, 2), MID_CYCLE)  # counted
    assert window.elapsed == 0.5  # paced
    assert compliance.cycle_for(dt.date(2023, 1, 1)) == (dt.date(2023, 1, 1), dt.date(2027, 12, 31))
    assert compliance.cycle_for(dt.date(2027, 12, 31))[0] == dt.date(2023, 1, 1)
    assert compliance.cycle_for(dt.date(2028, 1, 1)) == (dt.date(2028, 1, 1), dt.date(2032, 12, 31))
    assert compliance.cycle_for(dt.date(2022, 12, 31)) == (
        dt.date(2018, 1, 1),
        dt.date(2022, 12, 31),
    )


def test_rolling_window_at_half_the_cycle_half_the_hours_is_on_track(leader):
    credit(leader, 275, dt.date(2024, 3, 1))  # 550 × 0.5: exactly at pace
    assert concentrated(leader, MID_CYCLE)["status"] == "on_track"
    HourRecord.objects.update(hours=Decimal("274.9"))
    assert concentrated(leader, MID_CYCLE)["status"] == "at_risk"


def test_rolling_window_half_the_days_is_on_track_too(leader):
    credit(leader, 200, dt.date(2024, 3, 1), days=45)  # 45 of 90 days, 200 of 550 hours
    assert concentrated(leader, MID_CYCLE)["status"] == "on_track"
    HourRecord.objects.update(days=Decimal("44.9"))
    assert concentrated(leader, MID_CYCLE)["status"] == "at_risk"


def test_rolling_window_with_nothing_done_is_at_risk_until_the_cycle_ends(leader):
    assert concentrated(leader, dt.date(2023, 1, 1))["status"] == "at_risk"
    assert concentrated(leader, dt.date(2027, 12, 30))["status"] == "at_risk"
    assert concentrated(leader, dt.date(2027, 12, 31))["status"] == "short"
    # A new cycle begins: there is time again.
    assert concentrated(leader, dt.date(2028, 1, 1))["status"] == "at_risk"


def test_rolling_window_on_the_cycles_last_days(leader):
    credit(leader, Decimal("549.9"), dt.date(2025, 3, 1))
    assert concentrated(leader, dt.date(2027, 12, 30))["status"] == "on_track"  # ≥ 1825/1826
    assert concentrated(leader, dt.date(2027, 12, 31))["status"] == "short"
    credit(leader, Decimal("0.1"), dt.date(2027, 12, 31))
    assert concentrated(leader, dt.date(2027, 12, 31))["status"] == "met"


def test_rolling_window_counts_hours_from_before_the_cycle(leader):
    """The window rolls: hours of 2021 count in 2025 (it is five years back), and the
    pace is still the cycle's."""
    credit(leader, 300, dt.date(2021, 6, 1))
    assert concentrated(leader, MID_CYCLE)["hours"] == 300
    assert concentrated(leader, MID_CYCLE)["status"] == "on_track"  # 300 ≥ 275
    assert concentrated(leader, dt.date(2026, 6, 1))["hours"] == 0  # out of the window


def test_group_a_overall_is_on_track_when_both_rules_keep_pace(leader):
    credit(leader, 300, dt.date(2025, 3, 1))
    credit(leader, 25, dt.date(2025, 6, 1), kind="online")  # 25 of 50, 182 of 365 days gone
    row = status(leader, MID_CYCLE)
    assert {r["kind"]: r["status"] for r in row["rules"]} == {
        "concentrated": "on_track",
        "online": "on_track",
    }
    assert row["status"] == "on_track"


def test_online_hours_count_per_calendar_year(leader):
    credit(leader, 50, dt.date(2025, 12, 31), kind="online")
    assert rule(status(leader), "online")["hours"] == 0
    assert rule(status(leader, dt.date(2025, 12, 31)), "online")["status"] == "met"


def test_group_b_meets_90_hours_or_12_days_a_year(clerk):
    credit(clerk, 90, dt.date(2026, 4, 1))
    assert status(clerk)["status"] == "met"


def test_group_b_twelve_days_meet_it_with_fewer_hours(clerk):
    credit(clerk, 60, dt.date(2026, 4, 1), days=12)
    assert status(clerk)["status"] == "met"


def test_group_b_89_hours_without_days_fall_short_of_both(clerk):
    credit(clerk, 89, dt.date(2026, 4, 1))  # 89 h ≈ 11.1 days at 8 h a day
    row = status(clerk)
    assert rule(row, "concentrated")["days"] == pytest.approx(11.125)
    assert row["status"] == "at_risk"


def test_pending_and_rejected_hours_do_not_count(clerk):
    credit(clerk, 90, dt.date(2026, 4, 1), status="pending")
    credit(clerk, 90, dt.date(2026, 5, 1), status="rejected")
    assert status(clerk)["status"] == "short"


def test_mid_year_progress_is_on_track_or_at_risk(clerk):
    mid = dt.date(2026, 6, 30)  # about half the year gone
    credit(clerk, 46, dt.date(2026, 3, 1))
    assert status(clerk, mid)["status"] == "on_track"
    HourRecord.objects.all().update(hours=30)
    assert status(clerk, mid)["status"] == "at_risk"
    HourRecord.objects.all().update(hours=10)
    assert status(clerk, mid)["status"] == "short"


def test_the_day_conversion_of_a_revised_rule(world, leader):
    """Revised to 6 hours a day, 540 hours without day counts are 90 days: met."""
    original = IndicatorRule.objects.get(code="a-concentrated", version=1)
    revised = ledger_services.rule_revise(
        actor=None, rule=original, effective_from=dt.date(2026, 7, 1), hours_per_day=Decimal("6")
    )
    credit(leader, 540, dt.date(2025, 3, 1))
    credit(leader, 50, dt.date(2026, 5, 1), kind="online")
    row = status(leader)
    assert rule(row, "concentrated")["version"] == 2 and revised.version == 2
    assert rule(row, "concentrated")["days"] == 90
    assert row["status"] == "met"
    # Evaluated as of a day under version 1, the old rule applies and is named.
    old = status(leader, dt.date(2026, 6, 30))
    assert rule(old, "concentrated")["version"] == 1
    assert rule(old, "concentrated")["status"] != "met"


def test_overlapping_rules_for_the_same_group_are_refused(db):
    overlapping = IndicatorRule(
        code="b-other",
        group="B",
        kind="concentrated",
        window="calendar_year",
        min_hours=100,
        effective_from=dt.date(2025, 1, 1),
    )
    with pytest.raises(ValidationError) as exc:
        overlapping.full_clean()
    assert "同一时期" in str(exc.value)


def test_a_rule_period_ending_before_it_starts_is_refused(db):
    bad = IndicatorRule(
        code="b-x",
        group="B",
        kind="online",
        window="calendar_year",
        min_hours=10,
        effective_from=dt.date(2030, 1, 1),
        effective_to=dt.date(2029, 1, 1),
    )
    with pytest.raises(ValidationError):
        bad.full_clean()


def test_negative_hours_are_refused_by_the_database(clerk):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        credit(clerk, -5, dt.date(2026, 1, 1))


def test_evaluation_is_a_few_queries_for_any_number_of_cadres(world, django_assert_max_num_queries):
    people = [
        cadre(
            f"干部{i}",
            world.a1,
            world.city_od,
            category="civil_servant" if i % 2 else "county_leader",
        )
        for i in range(30)
    ]
    for person in people:
        credit(person, 10, dt.date(2026, 2, 1))
    with django_assert_max_num_queries(3):
        rows = compliance.evaluate(Cadre.objects.filter(unit=world.a1), AS_OF)
    assert len(rows) == 31  # 30 + 李玥


def test_summary_by_unit_counts_and_rates(world, clerk):
    credit(clerk, 90, dt.date(2026, 4, 1))
    summary = compliance.summary_by_unit(Cadre.objects.filter(unit=world.a), AS_OF)
    counts = summary[world.a.pk]
    assert counts["total"] == 2  # 王堃 and the clerk
    assert counts["met"] == 1
    assert counts["rate"] == 0.5


# The rules in the admin: changes become versions, refusals are form errors.


@pytest.fixture
def admin_client(db, client):
    from django.contrib.auth.models import User

    client.force_login(User.objects.create_superuser("root", "root@example.com", "x"))
    return client


def rule_form(rule, **changes):
    data = {
        "code": rule.code,
        "group": rule.group,
        "categories": list(rule.categories),
        "kind": rule.kind,
        "window": rule.window,
        "min_hours": str(rule.min_hours),
        "alt_min_days": "" if rule.alt_min_days is None else str(rule.alt_min_days),
        "hours_per_day": str(rule.hours_per_day),
        "effective_from": rule.effective_from.isoformat(),
        "description": rule.description,
    }
    data.update(changes)
    return data


def form_errors(response) -> str:
    adminform = response.context["adminform"].form
    return " ".join(str(e) for errors in adminform.errors.values() for e in errors)


def test_admin_change_without_a_new_date_is_a_form_error_not_a_crash(admin_client):
    rule = IndicatorRule.objects.get(code="b-concentrated", version=1)
    response = admin_client.post(
        f"/admin/ledger/indicatorrule/{rule.pk}/change/", rule_form(rule, min_hours="100")
    )
    assert response.status_code == 200
    assert "新版本" in form_errors(response) and "2023年1月1日" in form_errors(response)
    assert IndicatorRule.objects.filter(code="b-concentrated").count() == 1
    rule.refresh_from_db()
    assert rule.min_hours == 90 and rule.effective_to is None


def test_admin_change_with_a_new_date_makes_the_next_version(admin_client):
    rule = IndicatorRule.objects.get(code="b-concentrated", version=1)
    response = admin_client.post(
        f"/admin/ledger/indicatorrule/{rule.pk}/change/",
        rule_form(rule, min_hours="100", effective_from="2026-01-01"),
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    revision = IndicatorRule.objects.get(code="b-concentrated", version=2)
    assert rule.min_hours == 90 and rule.effective_to == dt.date(2025, 12, 31)
    assert revision.min_hours == 100 and revision.supersedes == rule
    # The old version is history now: it can be viewed, not changed.
    response = admin_client.post(
        f"/admin/ledger/indicatorrule/{rule.pk}/change/",
        rule_form(rule, min_hours="10", effective_from="2027-01-01"),
    )
    assert response.status_code == 403
    assert IndicatorRule.objects.filter(code="b-concentrated").count() == 2


def test_admin_saving_an_unchanged_rule_changes_nothing(admin_client):
    rule = IndicatorRule.objects.get(code="b-concentrated", version=1)
    response = admin_client.post(f"/admin/ledger/indicatorrule/{rule.pk}/change/", rule_form(rule))
    assert response.status_code == 302
    assert IndicatorRule.objects.filter(code="b-concentrated").count() == 1


def test_admin_revision_into_another_groups_period_is_a_form_error(admin_client):
    rule = IndicatorRule.objects.get(code="b-concentrated", version=1)
    response = admin_client.post(
        f"/admin/ledger/indicatorrule/{rule.pk}/change/",
        rule_form(rule, group="A", categories=[], effective_from="2026-01-01"),
    )
    assert response.status_code == 200
    assert "同一时期" in form_errors(response)
    assert IndicatorRule.objects.filter(code="b-concentrated").count() == 1


def test_admin_refuses_to_add_an_overlapping_rule(admin_client):
    rule = IndicatorRule.objects.get(code="b-concentrated", version=1)
    response = admin_client.post(
        "/admin/ledger/indicatorrule/add/",
        rule_form(rule, code="b-other", min_hours="120", effective_from="2025-01-01"),
    )
    assert response.status_code == 200
    assert "同一时期" in form_errors(response)
    assert not IndicatorRule.objects.filter(code="b-other").exists()


def test_admin_history_of_a_rule_lists_its_versions(admin_client):
    rule = IndicatorRule.objects.get(code="b-concentrated", version=1)
    admin_client.post(
        f"/admin/ledger/indicatorrule/{rule.pk}/change/",
        rule_form(rule, min_hours="100", effective_from="2026-01-01"),
    )
    revision = IndicatorRule.objects.get(code="b-concentrated", version=2)
    for pk in (rule.pk, revision.pk):
        page = admin_client.get(f"/admin/ledger/indicatorrule/{pk}/history/").content.decode()
        assert "v1" in page and "v2" in page
        assert "2025年12月31日" in page and "2026年1月1日" in page
    assert "100" in page


def test_revising_a_rule_in_the_admin_creates_a_new_version(world, client):
    import datetime as dt

    from ledger.models import IndicatorRule

    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(admin)
    rule = IndicatorRule.objects.get(code="b-concentrated", version=1)
    response = client.post(
        f"/admin/ledger/indicatorrule/{rule.pk}/change/",
        {
            "code": rule.code,
            "group": "B",
            "kind": "concentrated",
            "window": "calendar_year",
            "min_hours": "100",
            "alt_min_days": "12",
            "hours_per_day": "8",
            "effective_from": "2027-01-01",
            "description": rule.description,
        },
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.min_hours == 90 and rule.effective_to == dt.date(2026, 12, 31)
    revision = IndicatorRule.objects.get(code="b-concentrated", version=2)
    assert revision.min_hours == 100 and revision.supersedes == rule
    # The old version is history now: it can no longer be changed.
    assert client.get(f"/admin/ledger/indicatorrule/{rule.pk}/change/").status_code == 200
    assert client.post(f"/admin/ledger/indicatorrule/{rule.pk}/change/", {}).status_code == 403


# Rules for cadre categories: the most specific rule applies.

A_CATEGORIES = ["county_leader", "pi_senior", "senior_civil_servant", "soe_leader"]


def leaders_rule(categories=("county_leader",), **extra):
    fields = {
        "code": "a-leaders",
        "group": "A",
        "categories": list(categories),
        "kind": "concentrated",
        "window": "rolling_5_years",
        "min_hours": Decimal("300"),
        "effective_from": dt.date(2026, 1, 1),
    }
    fields.update(extra)
    rule = IndicatorRule(**fields)
    rule.full_clean()
    rule.save()
    return rule


def test_the_default_rules_name_their_groups_categories(db):
    assert IndicatorRule.objects.get(code="a-concentrated").categories == A_CATEGORIES
    assert IndicatorRule.objects.get(code="a-online").categories == A_CATEGORIES
    assert IndicatorRule.objects.get(code="b-concentrated").categories == [
        "civil_servant",
        "other_manager",
        "professional",
        "section_leader",
    ]


def test_a_rule_for_a_category_takes_precedence_over_the_groups(world, leader):
    specific = leaders_rule()
    civil = cadre("甲调研员", world.a, world.city_od, category="senior_civil_servant")
    for person in (leader, civil):
        credit(person, 320, dt.date(2025, 3, 1))
        credit(person, 50, dt.date(2026, 5, 1), kind="online")
    mine, theirs = status(leader), status(civil)
    assert rule(mine, "concentrated")["rule_id"] == specific.pk
    assert rule(mine, "concentrated")["categories"] == ["county_leader"]
    assert rule(mine, "concentrated")["status"] == "met"  # 320 of 300
    assert rule(mine, "online")["code"] == "a-online"  # no specific online rule: the group's
    assert mine["status"] == "met"
    assert rule(theirs, "concentrated")["code"] == "a-concentrated"  # 320 of 550
    assert theirs["status"] != "met"
    # Before the specific rule took effect, the group's rule applied to the leader too.
    earlier = status(leader, dt.date(2025, 12, 31))
    assert rule(earlier, "concentrated")["code"] == "a-concentrated"
    assert rule(earlier, "concentrated")["version"] == 1


def test_a_revised_category_rule_keeps_its_categories_and_old_evaluations_their_version(
    world, leader
):
    specific = leaders_rule()
    revised = ledger_services.rule_revise(
        actor=None, rule=specific, effective_from=dt.date(2026, 7, 1), min_hours=Decimal("200")
    )
    assert revised.categories == ["county_leader"] and revised.version == 2
    assert rule(status(leader), "concentrated")["rule_id"] == revised.pk
    old = status(leader, dt.date(2026, 6, 30))
    assert (rule(old, "concentrated")["rule_id"], rule(old, "concentrated")["version"]) == (
        specific.pk,
        1,
    )


def test_the_overlap_check_is_scoped_by_categories(db):
    leaders_rule()
    # The same categories in the same period: refused.
    with pytest.raises(ValidationError, match="同一时期"):
        leaders_rule(code="a-leaders-2")
    # Another category, or more categories (less specific), may coexist.
    leaders_rule(code="a-soe", categories=["soe_leader"])
    leaders_rule(code="a-two", categories=["county_leader", "pi_senior"])
    # As many categories with one in common: neither would be more specific.
    with pytest.raises(ValidationError, match="同一时期"):
        leaders_rule(code="a-two-b", categories=["county_leader", "senior_civil_servant"])
    # A rule for the whole group (no categories) competes with the default rule.
    with pytest.raises(ValidationError, match="同一时期"):
        leaders_rule(code="a-all", categories=[])
    # After the period of the first, the same categories are fine.
    leaders_rule(
        code="a-leaders-3", effective_from=dt.date(2020, 1, 1), effective_to=dt.date(2022, 12, 31)
    )


def test_a_rule_cannot_name_another_groups_categories(db):
    with pytest.raises(ValidationError) as exc:
        leaders_rule(categories=["civil_servant"])
    assert "categories" in exc.value.error_dict


def test_evaluation_stays_a_query_per_set_of_rules(world, leader, django_assert_max_num_queries):
    leaders_rule()
    cadre("乙科员", world.a, world.city_od, category="civil_servant")
    with django_assert_max_num_queries(4):  # rules, county leaders, the rest of A, B
        rows = compliance.evaluate(Cadre.objects.filter(unit=world.a), AS_OF)
    assert {r["name"] for r in rows} == {"王堃", "甲领导", "乙科员"}


def test_admin_adds_a_rule_for_some_categories(admin_client):
    rule = IndicatorRule.objects.get(code="a-concentrated", version=1)
    response = admin_client.post(
        "/admin/ledger/indicatorrule/add/",
        rule_form(
            rule,
            code="a-soe",
            categories=["soe_leader"],
            min_hours="400",
            effective_from="2026-01-01",
        ),
    )
    assert response.status_code == 302, form_errors(response)
    added = IndicatorRule.objects.get(code="a-soe")
    assert added.categories == ["soe_leader"] and added.min_hours == 400
    page = admin_client.get(f"/admin/ledger/indicatorrule/{added.pk}/history/").content
    assert "国有企业" in page.decode()


# Summary by unit, counted in SQL.


def test_summary_by_unit_is_one_grouped_query_and_agrees_with_evaluation(
    world, leader, clerk, django_assert_max_num_queries
):
    leaders_rule()  # a third set of rules: county leaders
    credit(leader, 320, dt.date(2025, 3, 1))
    credit(leader, 50, dt.date(2026, 5, 1), kind="online")
    credit(clerk, 90, dt.date(2026, 4, 1))
    for i in range(6):
        person = cadre(f"干部{i}", world.a1, world.city_od, category="civil_servant")
        credit(person, 15 * i, dt.date(2026, 4, 1))
    cadres = Cadre.objects.filter(unit__in=[world.a, world.a1])
    with django_assert_max_num_queries(2):  # the rules, then one grouped count
        summary = compliance.summary_by_unit(cadres, AS_OF)
    expected = {}
    for row in compliance.evaluate(cadres, AS_OF):
        counts = expected.setdefault(row["unit_id"], dict.fromkeys(compliance.ORDER, 0))
        counts[row["status"]] += 1
    for unit_id, counts in expected.items():
        assert {s: summary[unit_id][s] for s in compliance.ORDER} == counts
        assert summary[unit_id]["total"] == sum(counts.values())
    assert summary[world.a.pk]["met"] == 2  # the leader (by their own rule) and the clerk
    assert compliance.summary_by_unit(Cadre.objects.none(), AS_OF) == {}


def test_hours_before_since_do_not_count(clerk):
    credit(clerk, 50, dt.date(2026, 2, 1))
    credit(clerk, 40, dt.date(2026, 8, 1))
    assert status(clerk)["status"] == "met"
    later = compliance.evaluate(Cadre.objects.filter(pk=clerk.pk), AS_OF, dt.date(2026, 6, 1))
    assert rule(later[0], "concentrated")["hours"] == 40
