"""A planned session's hours are stored to one decimal place: finer hours, or hours below
0.1, are refused with a message saying so (stored, 0.04 would read back 0.0 and the
change form would refuse its own content); a session without a title is titled by its
content in Chinese, not by the content's code."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.html import escape

from planning import services
from planning.forms import line_initial
from planning.models import PlanLine, PlanSession
from tests.planning.helpers import dates, good_sessions, quota_line, session_lines

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(world):
    start, _end = dates(60)
    return services.plan_create(actor=world.bob, org_department=world.city_od, year=start.year)


@pytest.mark.parametrize("hours", ["0.04", "2.25", "0.05", 1.55])
def test_hours_finer_than_a_tenth_are_refused(world, plan, hours):
    start, _end = dates(60)
    sessions = good_sessions(start)
    sessions.append({"date": start, "hours": hours, "content": "theory", "teacher": "庚"})
    sessions[3]["hours"] = 15  # room for the extra session within the 40 hours
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        quota_line(world, plan, sessions=sessions)
    assert "sessions" in caught.value.message_dict
    assert str(hours) in " ".join(caught.value.messages)
    assert not PlanSession.objects.exists() and not PlanLine.objects.exists()


def test_class_hours_finer_than_a_tenth_are_refused_too(world, plan):
    with pytest.raises(ValidationError) as caught:
        quota_line(world, plan, hours="40.05")
    assert "hours" in caught.value.message_dict
    assert not PlanLine.objects.exists()


def test_the_line_form_refuses_them_with_a_message(client, world, plan):
    start, end = dates(60)
    sessions = good_sessions(start)
    sessions[3]["hours"] = "15.96"
    client.force_login(world.bob)
    response = client.post(
        f"/plans/{plan.pk}/lines/add/",
        {
            "name": "进修班",
            "institution": world.school.pk,
            "kind": "main",
            "start_date": start,
            "end_date": end,
            "hours": "40",
            "days": 5,
            "seats": 4,
            "mode": "quota",
            "allocations": f"{world.a.code}: 3\n{world.b.code}: 1",
            "sessions": session_lines(sessions),
        },
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 200
    with translation.override("zh-hans"):
        message = translation.gettext(
            "%(value)s hours: hours are at least 0.1 and have at most one decimal place."
        ) % {"value": "15.96"}
    assert escape(message) in response.content.decode()
    assert not PlanLine.objects.exists()


def test_tenths_are_kept_as_given(world, plan):
    start, _end = dates(60)
    sessions = good_sessions(start)
    sessions[3]["hours"] = "15.5"
    line = quota_line(world, plan, sessions=sessions)
    assert sorted(str(h) for h in line.sessions.values_list("hours", flat=True)) == [
        "10.0",
        "15.5",
        "6.0",
        "8.0",
    ]


def test_a_session_without_a_title_is_titled_by_its_content_in_chinese(world, plan):
    start, _end = dates(60)
    with translation.override("en"):  # whatever the language of the request
        line = quota_line(world, plan)
    titles = list(line.sessions.order_by("pk").values_list("title", flat=True))
    assert titles == ["党性教育", "党性教育", "理论教育", "理论教育"], titles
    assert "theory" not in line_initial(line)["sessions"]


def test_a_session_line_says_what_is_wrong_instead_of_guessing(client, world, plan):
    """A leading-cadre column of 7 is not read as "no", and a title too long is refused,
    not cut: each named on the form, nothing written."""
    from planning.forms import parse_sessions

    start, _end = dates(60)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        parse_sessions(f"{start.isoformat()}, 4, theory, 甲, 7, 党史专题")
    assert "第1行" in " ".join(caught.value.messages) and "1或0" in " ".join(caught.value.messages)
    assert parse_sessions(f"{start.isoformat()}, 4, theory, 甲, 是, 党史专题")[0][
        "by_leading_cadre"
    ]
    assert not parse_sessions(f"{start.isoformat()}, 4, theory, 甲")[0]["by_leading_cadre"]

    sessions = good_sessions(start)
    sessions[0]["title"] = "题" * 201
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        quota_line(world, plan, sessions=sessions)
    assert "第1门课程的名称或授课人过长" in " ".join(caught.value.messages)
    assert not PlanLine.objects.exists()
