"""The notices of an online class (网络专题班) say when and where to log in, not where to
report: the trainee's 入学通知 asks them to study online from the class's first day and
never to report anywhere with the notice in hand; the roll call's 调训通知 gives the way
of study (网络培训) where a classroom class gives its report place."""

import datetime as dt

import pytest

from dispatch.models import ClassKind, Dispatch, DispatchStatus, TrainingClass
from notifications.models import IssuedDocument
from tests.factories import training_class
from tests.flowtools import Staff, act, deadline, open_task, process_of
from tests.pdftools import stored_flat as pdf_text

pytestmark = pytest.mark.usefixtures("media")


def in_words(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def notified_in(world, client, django_capture_on_commit_callbacks, kind):
    """Cadre A named for a class of `kind` held 线上 and confirmed: the dispatch."""
    klass = training_class(
        world.city_od,
        world.school,
        dt.date.today() + dt.timedelta(days=30),
        name="网络专题班：数字政府建设",
        kind=kind,
    )
    TrainingClass.objects.filter(pk=klass.pk).update(location="线上")
    client.force_login(world.bob)
    with django_capture_on_commit_callbacks(execute=True):  # the roll call's notice
        client.post(
            "/workflow/rollcall/start/",
            {
                "training_class": klass.pk,
                "mode": "named",
                "response_deadline": deadline(),
                "cadres": [world.cadre_a.pk],
            },
        )
    dispatch = Dispatch.objects.get(cadre=world.cadre_a)
    client.force_login(Staff(world).lily)
    act(client, open_task(process_of(dispatch, "DispatchFlow"), "confirm"), {"action": "confirm"})
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.NOTIFIED
    return dispatch


def test_an_online_class_admission_notice_asks_to_log_in_not_to_report(
    world, client, django_capture_on_commit_callbacks
):
    dispatch = notified_in(world, client, django_capture_on_commit_callbacks, ClassKind.ONLINE)
    klass = dispatch.training_class
    text = pdf_text(IssuedDocument.objects.get(document_number=dispatch.notice_reference))
    assert f"请于{in_words(klass.start_date)}起登录" in text and "参加网络学习" in text
    assert "报到" not in text and "携带本通知" not in text and "到线上" not in text


def test_an_online_class_dispatch_notice_gives_the_way_of_study(
    world, client, django_capture_on_commit_callbacks
):
    notified_in(world, client, django_capture_on_commit_callbacks, ClassKind.ONLINE)
    text = pdf_text(IssuedDocument.objects.get(kind="dispatch_notice"))
    assert "学习方式网络培训" in text
    assert "报到地点" not in text and "线上。" not in text and "按时报到" not in text


def test_a_classroom_class_still_says_where_to_report(
    world, client, django_capture_on_commit_callbacks
):
    dispatch = notified_in(world, client, django_capture_on_commit_callbacks, ClassKind.THEMATIC)
    klass = dispatch.training_class
    text = pdf_text(IssuedDocument.objects.get(document_number=dispatch.notice_reference))
    institution = klass.institution.unit.name
    assert f"请于{in_words(klass.report_date)}到{institution}报到。报到时请携带本通知" in text
    assert "到线上报到" not in text and "地址为线上" not in text
    assert "报到时间和地点" in pdf_text(IssuedDocument.objects.get(kind="dispatch_notice"))
