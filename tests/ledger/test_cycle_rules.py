"""The training cycles of leadership-team members and outstanding young cadres, as data
with versions: systematic training every N years (3, editable to 2), ≥ 60 days of
concentrated training in 5 years, young cadres rotated within 5 years of being flagged —
measured at and around each edge, used by the suggestions, the training record and the
circular's rate."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dispatch.leadership import cadre_cycles, leadership_compliance
from dispatch.suggestions import suggest
from ledger.cycles import cycle_rules
from ledger.models import CadreCycleRule
from org.forms import CadreForm
from org.models import Cadre
from tests.factories import attended, cadre, credit, training_class
from tests.org.kit import cadre_data

AS_OF = dt.date(2026, 6, 10)


def leader(world, name="领导", **extra):
    return cadre(
        name, world.a, world.city_od, category="county_leader", is_leadership_member=True, **extra
    )


def revise(kind, *, on, **fields):
    """A new version of the rule of `kind` in force from `on` (the old one ends the day
    before), as an administrator saves it."""
    old = CadreCycleRule.objects.get(kind=kind, effective_to__isnull=True)
    old.effective_to = on - dt.timedelta(days=1)
    old.full_clean()
    old.save()
    values = {f: getattr(old, f) for f in ("years", "min_days", "hours_per_day")}
    new = CadreCycleRule(
        kind=kind, effective_from=on, version=old.version + 1, supersedes=old, **values
    )
    for name, value in fields.items():
        setattr(new, name, value)
    new.full_clean()
    new.save()
    return new


def test_the_defaults_are_the_plans(world):
    rules = cycle_rules(AS_OF)
    assert rules.systematic.years == 3
    assert (rules.concentrated.years, rules.concentrated.min_days) == (5, Decimal(60))
    assert rules.young.years == 5


def test_two_rules_of_a_kind_cannot_be_in_force_at_once(world):
    clash = CadreCycleRule(kind="leader_systematic", years=2, effective_from=AS_OF, version=9)
    with pytest.raises(ValidationError):
        clash.full_clean()


# -- leadership-team members ----------------------------------------------------------------


def systematic_overdue(suggestion) -> bool:
    """The suggestion gives the systematic rule as a reason (a member short of the days
    rule is ranked first too, for that reason)."""
    return any("系统培训" in reason for reason in suggestion.reasons)


def test_systematic_training_is_due_every_three_years_to_the_day(world):
    on_the_edge = leader(world, "三年整")  # class ended exactly 3 years before
    too_old = leader(world, "差一天")
    attended(world, on_the_edge, dt.date(2023, 6, 6))  # ends 2023-06-10
    attended(world, too_old, dt.date(2023, 6, 5))  # ends 2023-06-09
    by_name = {c.cadre.name: c for c in suggest(world.bob, _class_on(world, AS_OF))}
    assert by_name["差一天"].priority == 1 and systematic_overdue(by_name["差一天"])
    assert "三年整" not in by_name or not systematic_overdue(by_name["三年整"])
    checks = cadre_cycles(on_the_edge, AS_OF)
    assert checks[0].met and "2023年6月10日" in checks[0].detail
    assert not cadre_cycles(too_old, AS_OF)[0].met


def test_a_revised_rule_of_two_years_applies_from_its_day(world):
    person = leader(world, "两年半")
    attended(world, person, dt.date(2023, 12, 1))
    klass = _class_on(world, AS_OF)
    assert not systematic_overdue({s.cadre.name: s for s in suggest(world.bob, klass)}["两年半"])
    revise("leader_systematic", on=dt.date(2026, 1, 1), years=2)
    suggestion = {s.cadre.name: s for s in suggest(world.bob, klass)}["两年半"]
    assert suggestion.priority == 1
    assert "领导班子成员，自2023年12月5日以来未参加系统培训（每2年至少1次）" in suggestion.reasons
    # Before the revision the old version still judges.
    assert cadre_cycles(person, dt.date(2025, 12, 31))[0].met
    assert cadre_cycles(person, dt.date(2025, 12, 31))[0].rule_version == 1
    assert not cadre_cycles(person, AS_OF)[0].met
    assert cadre_cycles(person, AS_OF)[0].rule_version == 2


def test_a_leader_never_trained_reads_well(world):
    leader(world, "从未受训")
    suggestion = {s.cadre.name: s for s in suggest(world.bob, _class_on(world, AS_OF))}["从未受训"]
    assert "领导班子成员，有记录以来未参加系统培训（每3年至少1次）" in suggestion.reasons
    assert not any("以来以来" in r or "-" in r for r in suggestion.reasons)


@pytest.mark.parametrize("days, met", [("59.9", False), ("60", True), ("60.1", True)])
def test_sixty_days_of_concentrated_training_in_five_years(world, days, met):
    person = leader(world)
    attended(world, person, dt.date(2025, 3, 3))
    credit(person, 200, dt.date(2021, 6, 11), days=Decimal(days) - 30)  # first day counted
    credit(person, 100, dt.date(2021, 6, 10), days=50)  # the day before: out of the window
    credit(person, 240, dt.date(2025, 3, 7), days=30)
    summary = leadership_compliance(Cadre.objects.all(), AS_OF)
    assert (summary["leaders"], summary["leaders_met"]) == (1, int(met))
    assert summary["leaders_days_short"] == int(not met)
    assert summary["leader_rate"] == (1.0 if met else 0.0)
    assert cadre_cycles(person, AS_OF)[1].met is met


def test_hours_without_days_count_at_eight_hours_a_day(world):
    person = leader(world)
    attended(world, person, dt.date(2025, 3, 3))
    credit(person, 480, dt.date(2024, 1, 10))  # 60 days of 8 hours
    assert leadership_compliance(Cadre.objects.all(), AS_OF)["leaders_met"] == 1
    revise("leader_concentrated", on=dt.date(2026, 1, 1), hours_per_day=Decimal(10))
    assert leadership_compliance(Cadre.objects.all(), AS_OF)["leaders_met"] == 0


@pytest.mark.parametrize("leaders", [1, 50])
def test_the_circulars_rate_takes_the_same_queries_however_many(
    world, leaders, django_assert_max_num_queries
):
    for n in range(leaders):
        person = leader(world, f"领导{n}")
        credit(person, 480, dt.date(2024, 1, 10), days=60 if n % 2 else 10)
    with django_assert_max_num_queries(4):
        summary = leadership_compliance(Cadre.objects.all(), AS_OF)
    assert summary["leaders"] == leaders and summary["leaders_systematic_overdue"] == leaders
    assert summary["leaders_met"] == 0 and summary["leader_rate"] == 0.0


def test_the_rate_is_of_the_cadres_given(world):
    leader(world)
    assert leadership_compliance(Cadre.objects.none(), AS_OF)["leader_rate"] is None
    assert leadership_compliance(Cadre.objects.all(), AS_OF)["leaders"] == 1


# -- outstanding young cadres ------------------------------------------------------------------


def young(world, name, since=None):
    return cadre(name, world.a, world.city_od, is_young_cadre=True, young_cadre_since=since)


def test_young_cadres_are_rotated_within_five_years_of_being_flagged(world):
    trained_before = young(world, "列入前受训", since=dt.date(2024, 1, 1))
    attended(world, trained_before, dt.date(2023, 5, 8))
    in_time = young(world, "列入后受训", since=dt.date(2024, 1, 1))
    attended(world, in_time, dt.date(2025, 5, 5))
    late = young(world, "逾期未训", since=dt.date(2021, 6, 9))  # due 2026-06-09
    due_today = young(world, "今日到期", since=dt.date(2021, 6, 10))  # due 2026-06-10
    summary = leadership_compliance(Cadre.objects.all(), AS_OF)
    assert (summary["young"], summary["young_rotated"], summary["young_overdue"]) == (4, 1, 1)
    by_name = {s.cadre.name: s for s in suggest(world.bob, _class_on(world, AS_OF))}
    assert by_name["列入前受训"].priority == 2
    assert (
        "优秀年轻干部（2024年1月1日列入），尚未轮训（须在2029年1月1日前完成）"
        in by_name["列入前受训"].reasons
    )
    assert "列入后受训" not in by_name or by_name["列入后受训"].priority == 3
    assert by_name["逾期未训"].priority == 2
    assert [c.met for c in cadre_cycles(late, AS_OF)] == [False]
    # Not met, but still in time.
    assert [(c.met, c.on_time) for c in cadre_cycles(due_today, AS_OF)] == [(False, True)]
    assert "2026年6月10日" in cadre_cycles(due_today, AS_OF)[0].detail
    assert cadre_cycles(in_time, AS_OF)[0].met


def test_without_a_flag_day_a_young_cadre_is_measured_over_the_last_five_years(world):
    recent = young(world, "近五年受训")
    attended(world, recent, dt.date(2021, 6, 7))  # ends 2021-06-11, inside
    old = young(world, "五年前受训")
    attended(world, old, dt.date(2021, 6, 5))  # ends 2021-06-09, outside
    summary = leadership_compliance(Cadre.objects.all(), AS_OF)
    assert (summary["young_rotated"], summary["young_overdue"]) == (1, 1)
    reasons = {s.cadre.name: s.reasons for s in suggest(world.bob, _class_on(world, AS_OF))}
    assert "优秀年轻干部，5年内未轮训" in reasons["五年前受训"]


# -- the cadre form ------------------------------------------------------------------------------


def test_the_cadre_form_labels_the_name_as_a_persons(world):
    form = CadreForm()
    assert str(form["name"].label) == "姓名"
    assert "姓名" in form.as_table()


def test_the_day_flagged_needs_the_flag_and_cannot_be_in_the_future(world):
    data = cadre_data(world, young_cadre_since=dt.date.today() + dt.timedelta(days=1))
    data["is_young_cadre"] = "on"
    assert "列入日期不能晚于今天" in str(CadreForm(data=data).errors)
    data.pop("is_young_cadre")
    data["young_cadre_since"] = dt.date(2024, 1, 1)
    assert "只有优秀年轻干部" in str(CadreForm(data=data).errors)


def _class_on(world, start):
    """A class starting on `start`: the suggestions are evaluated as of its start."""
    return training_class(world.city_od, world.school, start, name="待调训班")


def test_the_training_record_shows_a_leaders_cycles(world, login):
    person = leader(world, "档案领导")
    attended(world, person, dt.date.today() - dt.timedelta(days=400))
    page = login(world.bob).get(f"/cadres/{person.pk}/record/").content.decode()
    assert "培训周期" in page and "每3年至少参加1次系统培训" in page
    assert "5年内累计集中培训不少于60天" in page and "未达标" in page  # no days credited
    plain = login(world.bob).get(f"/cadres/{world.cadre_a.pk}/record/").content.decode()
    assert "培训周期" not in plain


# -- revising the rules ----------------------------------------------------------------------


def test_an_administrator_revises_the_cycle_to_two_years_in_the_admin(admin_client):
    from audit.models import AuditEvent

    rule = CadreCycleRule.objects.get(kind="leader_systematic", version=1)
    form = {
        "kind": rule.kind,
        "years": "2",
        "min_days": "",
        "hours_per_day": "8",
        "effective_from": "2023-01-01",
        "description": rule.description,
    }
    url = f"/admin/ledger/cadrecyclerule/{rule.pk}/change/"
    response = admin_client.post(url, form)
    assert response.status_code == 200 and "2023-01-01" in response.content.decode()
    assert CadreCycleRule.objects.filter(kind="leader_systematic").count() == 1
    form["effective_from"] = "2026-01-01"
    assert admin_client.post(url, form).status_code == 302
    rule.refresh_from_db()
    assert rule.years == 3 and rule.effective_to == dt.date(2025, 12, 31)
    assert cycle_rules(AS_OF).systematic.years == 2
    assert cycle_rules(AS_OF).systematic.version == 2
    assert AuditEvent.objects.filter(verb="rule.revise").count() == 1


def test_only_an_administrator_revises_a_rule(world):
    from ledger.services import rule_revise

    rule = CadreCycleRule.objects.get(kind="leader_systematic", version=1)
    with pytest.raises(PermissionDenied):
        rule_revise(actor=world.bob, rule=rule, effective_from=AS_OF, years=2)
    assert CadreCycleRule.objects.filter(kind="leader_systematic").count() == 1


def test_a_teaching_indicator_is_revised_as_a_new_version(admin_client):
    from dispatch.models import TeachingIndicatorRule

    rule = TeachingIndicatorRule.objects.get(measure="party_spirit", version=1)
    response = admin_client.post(
        f"/admin/dispatch/teachingindicatorrule/{rule.pk}/change/",
        {
            "measure": "party_spirit",
            "min_percent": "25",
            "effective_from": "2027-01-01",
            "description": rule.description,
        },
    )
    assert response.status_code == 302
    revision = TeachingIndicatorRule.objects.get(measure="party_spirit", version=2)
    assert revision.min_percent == 25 and revision.supersedes == rule
