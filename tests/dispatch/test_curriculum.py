"""A class's curriculum: sessions kept by the organizer's dispatchers and the
institution's registrars, never beyond the class's hours, and the teaching indicators
(data, versioned) measured exactly at their thresholds."""

import datetime as dt
import importlib
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditEvent
from dispatch.models import ClassSession, TeachingIndicatorRule
from dispatch.services.curriculum import class_session_save
from dispatch.teaching import teaching_checks, teaching_shares, teaching_shortfalls

# 13 days: a class holds at most 8 credit hours a day (TrainingClass.clean).
pytestmark = pytest.mark.klass(credit_hours=100, days=13)


@pytest.fixture(autouse=True)
def teaching_rules(db):
    """The plan's defaults, as the data migration writes them (a transactional test
    elsewhere may have emptied the table)."""
    if not TeachingIndicatorRule.objects.exists():
        importlib.import_module("dispatch.migrations.0003_default_teaching_rules").load(apps, None)


def s(hours, content="professional", leading=False, **extra):
    return SimpleNamespace(
        hours=Decimal(str(hours)), content=content, by_leading_cadre=leading, **extra
    )


def checks_by_measure(sessions, hours=100, on=dt.date(2026, 6, 1)):
    return {c.measure: c for c in teaching_checks(sessions, hours, on)}


# -- the indicators at and around each threshold -----------------------------------------


@pytest.mark.parametrize(
    "measure, make, threshold",
    [
        ("theory_party_spirit", lambda h: [s(h, "theory")], 70),
        ("party_spirit", lambda h: [s(h, "party_spirit")], 20),
        ("case_teaching", lambda h: [s(h, "case_teaching")], 15),
        ("interactive", lambda h: [s(h, "interactive")], 20),
        ("leading_cadres", lambda h: [s(h, "professional", leading=True)], 20),
    ],
)
def test_each_indicator_is_met_exactly_at_its_threshold(world, measure, make, threshold):
    below = Decimal(threshold) - Decimal("0.1")
    assert not checks_by_measure(make(below))[measure].met
    at = checks_by_measure(make(threshold))[measure]
    assert at.met and at.actual == Decimal(threshold) and at.required == Decimal(threshold)
    assert checks_by_measure(make(Decimal(threshold) + Decimal("0.1")))[measure].met
    # Of a class of 40 hours: 8 hours are 20 %, 7.9 are not (no rounding up).
    share = Decimal(threshold) * 40 / 100
    assert checks_by_measure(make(share), hours=40)[measure].met
    assert not checks_by_measure(make(share - Decimal("0.1")), hours=40)[measure].met


def test_theory_and_party_spirit_count_together_and_hours_missing_count_as_nothing(world):
    sessions = [s(50, "theory"), s(20, "party_spirit", leading=True), s(15, "case_teaching")]
    sessions.append(s(15, "interactive"))
    assert teaching_shares(sessions) == {
        "theory_party_spirit": Decimal("70.0"),
        "party_spirit": Decimal("20.0"),
        "case_teaching": Decimal("15.0"),
        "interactive": Decimal("15.0"),
        "leading_cadres": Decimal("20.0"),
    }
    missed = teaching_shortfalls(sessions, 100, dt.date(2026, 6, 1))
    assert [c.measure for c in missed] == ["interactive"]
    # The same curriculum for a class of 200 hours misses every share.
    assert len(teaching_shortfalls(sessions, 200, dt.date(2026, 6, 1))) == 5


def test_a_curriculum_meets_every_indicator_when_cases_and_interaction_are_methods(world):
    # By content alone 70 % + 15 % + 20 % cannot fit in 100 %: the methods overlap.
    sessions = [
        s(40, "theory", leading=True),
        s(15, "theory", method="case_teaching"),
        s(20, "party_spirit", method="interactive"),
        s(25, "professional"),
    ]
    assert teaching_shortfalls(sessions, 100, dt.date(2026, 6, 1)) == []
    shares = teaching_shares(sessions)
    assert (shares["case_teaching"], shares["interactive"]) == (Decimal(15), Decimal(20))
    # A case-teaching session taught by cases counts once.
    assert teaching_shares([s(10, "case_teaching", method="case_teaching")], 100)[
        "case_teaching"
    ] == Decimal(10)


def test_a_new_version_of_a_rule_applies_from_its_date(world):
    old = TeachingIndicatorRule.objects.get(measure="case_teaching", version=1)
    old.effective_to = dt.date(2026, 12, 31)
    old.save()
    new = TeachingIndicatorRule(
        measure="case_teaching",
        min_percent=Decimal(25),
        effective_from=dt.date(2027, 1, 1),
        version=2,
        supersedes=old,
    )
    new.full_clean()
    new.save()
    sessions = [s(20, "case_teaching")]
    before = checks_by_measure(sessions, on=dt.date(2026, 12, 31))["case_teaching"]
    after = checks_by_measure(sessions, on=dt.date(2027, 1, 1))["case_teaching"]
    assert (before.met, before.rule_version) == (True, 1)
    assert (after.met, after.rule_version, after.required) == (False, 2, Decimal(25))
    clash = TeachingIndicatorRule(
        measure="case_teaching", min_percent=10, effective_from=dt.date(2027, 6, 1), version=3
    )
    with pytest.raises(ValidationError):
        clash.full_clean()


# -- keeping the curriculum -----------------------------------------------------------------


def session_for(klass, hours, **fields):
    return ClassSession(
        training_class=klass,
        date=fields.pop("date", klass.start_date),
        title=fields.pop("title", "党章党规党纪"),
        hours=Decimal(str(hours)),
        teacher=fields.pop("teacher", "李老师"),
        content=fields.pop("content", "party_spirit"),
        **fields,
    )


def test_the_registrar_and_the_organizers_dispatcher_keep_the_curriculum(world, klass):
    class_session_save(actor=world.rita, session=session_for(klass, 40))
    session = class_session_save(actor=world.bob, session=session_for(klass, 60))
    assert klass.sessions.count() == 2
    assert AuditEvent.objects.filter(verb="class_session.create").count() == 2
    session.hours = Decimal(30)
    class_session_save(actor=world.rita, session=session)
    assert AuditEvent.objects.filter(verb="class_session.update").count() == 1


@pytest.mark.parametrize("who", ["alice", "carol", "dave"])
def test_others_cannot_change_the_curriculum(world, klass, who):
    with pytest.raises(PermissionDenied):
        class_session_save(actor=getattr(world, who), session=session_for(klass, 4))
    assert not ClassSession.objects.exists()


def test_sessions_beyond_the_class_hours_are_refused_in_chinese_and_nothing_is_written(
    world, klass
):
    class_session_save(actor=world.bob, session=session_for(klass, 96))
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        class_session_save(actor=world.bob, session=session_for(klass, "4.5"))
    assert "100.5" in str(refused.value) and "学时" in str(refused.value)
    with pytest.raises(ValidationError) as refused:
        late = klass.end_date + dt.timedelta(days=1)
        class_session_save(actor=world.bob, session=session_for(klass, 1, date=late))
    assert "培训班" in str(refused.value)
    assert klass.sessions.count() == 1 and AuditEvent.objects.count() == events
    # Exactly the class's hours is fine.
    class_session_save(actor=world.bob, session=session_for(klass, 4))
    assert klass.sessions.count() == 2


def test_the_class_service_keeps_a_classs_dates_around_its_sessions(world, klass):
    from core.formatting import format_date
    from dispatch.models import TrainingClass
    from dispatch.services.classes import training_class_save

    last = klass.start_date + dt.timedelta(days=2)
    class_session_save(actor=world.bob, session=session_for(klass, 8))
    class_session_save(actor=world.bob, session=session_for(klass, 8, date=last))
    events = AuditEvent.objects.count()
    week = dt.timedelta(days=7)
    klass.start_date, klass.end_date, klass.report_date = (
        klass.start_date + week,
        klass.end_date + week,
        klass.report_date + week,
    )
    with pytest.raises(ValidationError) as refused:
        training_class_save(actor=world.bob, training_class=klass)
    assert format_date(last) in str(refused.value)
    assert AuditEvent.objects.count() == events
    # Dates still around both sessions are fine.
    klass = TrainingClass.objects.get(pk=klass.pk)
    klass.end_date = last
    klass.days = (last - klass.start_date).days + 1
    klass.credit_hours = Decimal(8 * klass.days)  # at most 8 a day (TrainingClass.clean)
    training_class_save(actor=world.bob, training_class=klass)
    assert TrainingClass.objects.get(pk=klass.pk).end_date == last


# -- the pages -------------------------------------------------------------------------------


def test_the_class_page_shows_the_sessions_and_the_indicators(world, klass, login):
    class_session_save(actor=world.rita, session=session_for(klass, 70, content="theory"))
    class_session_save(actor=world.rita, session=session_for(klass, 20, by_leading_cadre=True))
    page = login(world.bob).get(f"/classes/{klass.pk}/").content.decode()
    assert "党章党规党纪" in page and "教学指标" in page
    assert "未达标" in page and "已达标" in page  # case teaching missed, theory met
    assert f"/classes/{klass.pk}/sessions/new/" in page
    outsider_page = login(world.alice).get(f"/classes/{klass.pk}/")
    assert outsider_page.status_code == 404


def test_a_registrar_adds_a_session_through_the_form(world, klass, login):
    client = login(world.rita)
    data = {
        "date": klass.start_date,
        "title": "案例研讨",
        "hours": "101",
        "content": "party_spirit",
        "method": "case_teaching",
        "teacher": "张主任",
        "by_leading_cadre": "on",
    }
    response = client.post(f"/classes/{klass.pk}/sessions/new/", data)
    assert response.status_code == 200 and "学时" in response.content.decode()
    assert not ClassSession.objects.exists()
    data["hours"] = "16"
    response = client.post(f"/classes/{klass.pk}/sessions/new/", data)
    assert response.status_code == 302
    session = ClassSession.objects.get()
    assert session.by_leading_cadre and session.hours == 16
    assert session.method == "case_teaching"
    page = client.get(f"/classes/{klass.pk}/").content.decode()
    assert "党性教育（案例教学）" in page
    data["hours"] = "12"
    assert client.post(f"/sessions/{session.pk}/edit/", data).status_code == 302
    session.refresh_from_db()
    assert session.hours == 12
    assert login(world.alice).get(f"/sessions/{session.pk}/edit/").status_code == 404


@pytest.mark.parametrize("hours", ["0", "-3"])
def test_a_session_of_no_hours_is_refused_in_words_not_by_the_constraints_name(
    world, klass, login, hours
):
    data = {
        "date": klass.start_date,
        "title": "案例研讨",
        "hours": hours,
        "content": "party_spirit",
        "method": "lecture",
        "teacher": "张主任",
    }
    response = login(world.rita).post(f"/classes/{klass.pk}/sessions/new/", data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "课程学时须大于零。" in page
    assert "session_hours_positive" not in page and "约束" not in page
    assert not ClassSession.objects.exists()


@pytest.mark.parametrize("sessions", [1, 50])
def test_the_class_page_costs_the_same_however_many_sessions(
    world, klass, login, django_assert_max_num_queries, sessions
):
    ClassSession.objects.bulk_create(
        session_for(klass, 1, title=f"课程{n}", by_leading_cadre=n % 2 == 0)
        for n in range(sessions)
    )
    client = login(world.rita)
    client.get(f"/classes/{klass.pk}/")  # warm the session's navigation
    with django_assert_max_num_queries(20):
        page = client.get(f"/classes/{klass.pk}/").content.decode()
    assert f"课程{sessions - 1}" in page


def test_a_class_cannot_have_fewer_hours_than_its_sessions(world, klass):
    """The other side of the same rule: the class service (and the admin's form, and the
    class import, which ask the same `sessions_refusal`) refuse to cut a class's hours
    below its curriculum's total; down to the total is fine."""
    from dispatch.services import training_class_save

    class_session_save(actor=world.bob, session=session_for(klass, 60))
    class_session_save(actor=world.bob, session=session_for(klass, 30))
    klass.credit_hours = Decimal(80)
    with pytest.raises(ValidationError) as refused:
        training_class_save(actor=world.bob, training_class=klass)
    assert refused.value.message_dict["credit_hours"] == [
        f"{klass.name}的课程合计90学时，班次学时不能少于课程合计。"
    ]
    klass.credit_hours = Decimal(90)
    training_class_save(actor=world.bob, training_class=klass)
    klass.refresh_from_db()
    assert klass.credit_hours == Decimal(90)
