"""A session is entered once in a class's curriculum: another of the same day, title,
content, teacher and hours (a double click, two people at once) is refused with a
message naming the one already there, on the form's title, and nothing is written. The
class's row lock serialises its sessions' writes (the race itself:
tests/hardening/test_twin_races.py)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from dispatch import twins
from dispatch.models import ClassSession
from dispatch.services.curriculum import class_session_save

pytestmark = pytest.mark.klass(credit_hours=80, days=10)


def session_for(klass, **fields):
    values = {
        "date": klass.start_date,
        "title": "党章党规党纪专题",
        "hours": Decimal("4"),
        "teacher": "李老师",
        "content": "party_spirit",
    }
    values.update(fields)
    return ClassSession(training_class=klass, **values)


def written():
    return ClassSession.objects.count(), AuditEvent.objects.count()


def test_a_second_session_alike_is_refused_naming_the_first(world, klass):
    first = class_session_save(actor=world.rita, session=session_for(klass))
    before = written()

    with pytest.raises(ValidationError) as refused:
        class_session_save(actor=world.bob, session=session_for(klass, hours=Decimal("4.0")))

    assert refused.value.message_dict == {"title": [twins.session_twin_refusal(session_for(klass))]}
    message = refused.value.message_dict["title"][0]
    assert first.title in message and first.teacher in message
    assert written() == before


def test_another_day_title_content_teacher_or_hours_make_another_session(world, klass):
    class_session_save(actor=world.rita, session=session_for(klass))
    for fields in (
        {"date": klass.start_date + dt.timedelta(days=1)},
        {"title": "党章党规党纪专题（下）"},
        {"content": "theory"},
        {"teacher": "王老师"},
        {"hours": Decimal("3")},
    ):
        class_session_save(actor=world.rita, session=session_for(klass, **fields))
    assert klass.sessions.count() == 6


def test_a_session_changed_into_the_twin_of_another_is_refused(world, klass):
    first = class_session_save(actor=world.rita, session=session_for(klass))
    second = class_session_save(actor=world.rita, session=session_for(klass, teacher="王老师"))
    second.teacher = first.teacher

    with pytest.raises(ValidationError) as refused:
        class_session_save(actor=world.rita, session=second)

    assert list(refused.value.message_dict) == ["title"]
    assert ClassSession.objects.get(pk=second.pk).teacher == "王老师"


def test_sessions_alike_before_a_change_may_still_be_changed(world, klass):
    """Sessions published from a plan line without titles may be alike (titled by their
    content): changing one's method does not make it a twin; it already was."""
    alike = ClassSession.objects.bulk_create([session_for(klass), session_for(klass)])
    session = ClassSession.objects.get(pk=alike[1].pk)
    session.method = "case_teaching"
    class_session_save(actor=world.rita, session=session)
    assert ClassSession.objects.get(pk=session.pk).method == "case_teaching"


def test_the_session_form_submitted_twice_shows_the_refusal_on_the_title(world, klass, login):
    client = login(world.rita)
    data = {
        "date": klass.start_date,
        "title": "案例研讨",
        "hours": "8",
        "content": "case_teaching",
        "method": "case_teaching",
        "teacher": "张主任",
    }
    assert client.post(f"/classes/{klass.pk}/sessions/new/", data).status_code == 302
    first = ClassSession.objects.get()

    response = client.post(f"/classes/{klass.pk}/sessions/new/", {**data, "hours": "8.0"})

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors == {"title": [twins.session_twin_refusal(ClassSession(**_key(first)))]}
    assert "张主任" in errors["title"][0]
    assert ClassSession.objects.count() == 1


def _key(session) -> dict:
    return {field: getattr(session, field) for field in twins.SESSION_KEY}
