"""The post-training follow-up: due some months after the class, opened by the daily
schedule, answered by the head of the trainee's unit only, reminded and escalated."""

import datetime as dt

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import translation
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from audit.models import AuditEvent
from feedback import selectors, services
from feedback.models import Applied, Evaluation, FollowUp, FollowUpSetting, FollowUpStatus
from notifications.models import Event, Notification
from tests.factories import aware, user
from tests.feedback.kit import attended, trainees
from tests.flowtools import fire_at


def _task(follow_up):
    return Task.objects.get(
        process__artifact_object_id=follow_up.pk,
        process__flow_class__endswith="FollowUpFlow",
        flow_task__endswith=".complete",
    )


def _url(task, action):
    return f"/workflow/followup/{task.process_id}/complete/{task.pk}/{action}/"


def _answer(client, person, task, data):
    client.force_login(person)
    task.refresh_from_db()
    if task.status == STATUS.NEW:
        assert client.post(_url(task, "assign")).status_code == 302
    return client.post(_url(task, "execute"), data)


def _open_all(klass, months=3):
    """The daily schedule runs on the day the follow-ups fall due."""
    fire_at(aware(klass.end_date + relativedelta(months=months), 8), "start_follow_ups")


@pytest.fixture
def three(client, world, staff, klass):
    """Three trainees of unit A attended the class (and evaluated it)."""
    people = [world.cadre_a, *trainees(world, 2)]
    attended(client, world, staff, klass, people)
    for n, evaluation in enumerate(Evaluation.objects.filter(training_class=klass)):
        evaluation.cadre.refresh_from_db()
        services.evaluation_submit(
            actor=evaluation.cadre.user, evaluation=evaluation, score=3 + n % 3, comment=f"意见{n}"
        )
    return people


def test_follow_up_is_due_months_after_the_class_then_the_head_answers(
    client, world, staff, klass, three
):
    klass.refresh_from_db()
    follow_ups = FollowUp.objects.filter(training_class=klass)
    assert {f.due_on for f in follow_ups} == {klass.end_date + relativedelta(months=3)}
    assert all(f.status == FollowUpStatus.SCHEDULED for f in follow_ups)

    # The day before it falls due nothing opens; on the day, each gets its task.
    fire_at(
        aware(klass.end_date + relativedelta(months=3) - dt.timedelta(days=1)), "start_follow_ups"
    )
    assert not FollowUp.objects.filter(status=FollowUpStatus.OPEN).exists()
    _open_all(klass)
    assert FollowUp.objects.filter(status=FollowUpStatus.OPEN).count() == 3
    _open_all(klass)  # run again: nothing new
    assert Task.objects.filter(flow_task__endswith="FollowUpFlow.complete").count() == 3

    # Alice (head of unit A) finds them in 我的待办 and answers each.
    client.force_login(world.alice)
    mine = client.get("/tasks/").content.decode()
    assert world.cadre_a.name in mine
    first = _task(follow_ups[0])
    assert client.post(_url(first, "assign")).status_code == 302
    form = client.get(_url(first, "execute")).content.decode()
    assert "学员是否将所学运用于工作？" in form and "运用于工作？：" not in form  # no colon
    for follow_up, applied in zip(
        follow_ups, [Applied.YES, Applied.YES, Applied.PARTLY], strict=True
    ):
        response = _answer(
            client, world.alice, _task(follow_up), {"applied": applied, "rating": "4"}
        )
        assert response.status_code == 302, response.content.decode()[:1500]
    assert (
        FollowUp.objects.filter(status=FollowUpStatus.DONE, completed_by=world.alice).count() == 3
    )
    assert AuditEvent.objects.filter(verb="follow_up.complete").count() == 3
    # The follow-up's page reads the answer as its label, not the stored value.
    panel = client.get(f"/workflow/followup/{_task(follow_ups[2]).process_id}/")
    panel = panel.content.decode()
    with translation.override("zh-hans"):
        assert f"<td>{Applied.PARTLY.label}</td>" in panel
    assert "<td>partly</td>" not in panel

    # The report shows it: the dispatcher's class line and the yearly results.
    (line,) = selectors.class_lines([klass])
    assert (line["answered"], line["score"]) == (3, 4.0)
    assert (line["done"], line["applied_yes"], line["applied_partly"], line["rating"]) == (
        3,
        2,
        1,
        4.0,
    )
    reader = Client()  # no messages left over from Alice's session
    reader.force_login(world.bob)
    page = reader.get(f"/feedback/report/classes/{klass.pk}/").content.decode()
    assert "意见0" in page and world.cadre_a.name not in page
    results = selectors.yearly_results(world.city_od, klass.end_date.year)
    assert results["classes"][0]["rating"] == 4.0
    assert results["institutions"][0]["institution"] == world.school.name


def test_the_months_are_the_organizing_departments_data(client, world, staff, klass):
    services.follow_up_setting_save(actor=world.bob, org_department=world.city_od, months=6)
    assert AuditEvent.objects.filter(verb="feedback.setting.create").exists()
    with pytest.raises(ValidationError):
        services.follow_up_setting_save(actor=world.bob, org_department=world.city_od, months=0)
    with pytest.raises(PermissionDenied):
        services.follow_up_setting_save(actor=world.carol, org_department=world.city_od, months=2)
    attended(client, world, staff, klass, [world.cadre_a])
    klass.refresh_from_db()
    assert FollowUp.objects.get().due_on == klass.end_date + relativedelta(months=6)


@pytest.mark.parametrize("months", ["0", "25"])
def test_the_admin_refuses_months_out_of_range_in_words(admin_client, world, months):
    """The admin's form meets the database's check: its message, not the check's name."""
    page = admin_client.post(
        "/admin/feedback/followupsetting/add/",
        {"org_department": world.city_od.pk, "months": months},
    )
    assert page.status_code == 200
    assert "月数须在1至24之间" in page.content.decode()
    assert not FollowUpSetting.objects.exists()


def test_only_the_trainees_unit_head_may_answer(client, world, staff, klass):
    attended(client, world, staff, klass, [world.cadre_a])
    _open_all(klass)
    follow_up = FollowUp.objects.get()
    task = _task(follow_up)
    dan = user("dan", "deputy_head", world.a)
    before = AuditEvent.objects.count()
    # Through the task pages: outsiders see nothing, others of the unit are refused.
    for person, refused in [
        (world.charlie, {404}),
        (world.carol, {404}),
        (staff.lily, {403}),
        (dan, {403}),
        (world.bob, {403}),
        (world.dave, {403, 404}),
    ]:
        client.force_login(person)
        assert client.post(_url(task, "assign")).status_code in refused, person
        assert client.post(
            _url(task, "execute"), {"applied": "yes", "rating": "5"}
        ).status_code in (refused | {302})
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUpStatus.OPEN
    assert AuditEvent.objects.count() == before
    # Through the service: refused in Chinese, nothing written.
    for person in (world.charlie, staff.lily, dan, world.bob, world.dave):
        with translation.override("zh-hans"), pytest.raises(PermissionDenied) as refusal:
            services.follow_up_complete(actor=person, follow_up=follow_up, applied="yes", rating=5)
        assert "单位负责人" in str(refusal.value)
    assert AuditEvent.objects.count() == before
    # The head with a bad answer: refused, nothing written.
    response = _answer(client, world.alice, task, {"applied": "yes", "rating": "7"})
    assert response.status_code == 200
    with pytest.raises(ValidationError):
        services.follow_up_complete(
            actor=world.alice, follow_up=follow_up, applied="maybe", rating=3
        )
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUpStatus.OPEN and follow_up.rating is None


def test_an_open_follow_up_is_reminded_then_escalated(client, world, staff, klass):
    attended(client, world, staff, klass, [world.cadre_a])
    _open_all(klass)
    follow_up = FollowUp.objects.get()
    fire_at(follow_up.due_at - dt.timedelta(hours=12))
    reminded = Notification.objects.filter(key=f"follow_up:{follow_up.pk}:reminder")
    assert set(reminded.values_list("recipient__username", flat=True)) == {"alice"}
    fire_at(follow_up.due_at + dt.timedelta(hours=1))
    follow_up.refresh_from_db()
    assert follow_up.escalated
    escalated = Notification.objects.filter(
        key=f"follow_up:{follow_up.pk}:escalation", event=Event.ESCALATION
    )
    assert {"bob", "alice"} <= set(escalated.values_list("recipient__username", flat=True))
    # Each message links to where its reader finds the follow-up: the head's to-do to
    # answer it; the follow-up's own page, whose it is, for the dispatchers to chase.
    task = _task(follow_up)
    for note in [*reminded, *escalated]:
        client.force_login(note.recipient)
        page = client.get(note.url)
        assert page.status_code == 200, note.recipient
        if note.event == Event.REMINDER:
            claim = task.flow_task.reverse("assign", args=[task.process_id, task.pk])
            assert claim in page.content.decode()
        else:
            assert note.url == f"/workflow/followup/{task.process_id}/"
            assert follow_up.cadre.name in page.content.decode(), note.recipient
    # Still the head's to answer.
    assert (
        _answer(client, world.alice, _task(follow_up), {"applied": "no", "rating": "2"}).status_code
        == 302
    )
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUpStatus.DONE


def test_a_units_follow_ups_due_together_are_one_reminder_and_one_escalation(
    client, world, staff, klass, three
):
    """Three trainees of unit A back from one class: their head hears once before the
    answers are due, and the head and the dispatcher once after — each message naming
    the three; each follow-up reminded and escalated once."""
    _open_all(klass)
    follow_ups = list(FollowUp.objects.order_by("pk"))
    assert len(follow_ups) == 3 and len({f.due_at for f in follow_ups}) == 1
    due = follow_ups[0].due_at
    fire_at(due - dt.timedelta(hours=12))
    fire_at(due - dt.timedelta(hours=11))  # nothing new
    [reminder] = Notification.objects.filter(event=Event.REMINDER, key__startswith="follow_up:")
    assert reminder.recipient == world.alice
    assert reminder.title == "提醒：3 名学员的训后跟踪考核"
    for person in three:
        assert f"{person.name}（{world.a.name}）：{klass.name}训后跟踪考核" in reminder.body
    assert AuditEvent.objects.filter(verb="follow_up.remind").count() == 3

    fire_at(due + dt.timedelta(hours=1))
    fire_at(due + dt.timedelta(hours=2))  # nothing new
    escalations = Notification.objects.filter(event=Event.ESCALATION, key__startswith="follow_up:")
    told = sorted(escalations.values_list("recipient__username", flat=True))
    assert told == sorted(set(told)) and {"alice", "bob"} <= set(told)
    for message in escalations:
        assert message.title == "训后跟踪考核逾期：3 名学员"
    assert escalations.get(recipient=world.bob).url == "/feedback/report/"
    assert escalations.get(recipient=world.alice).url == "/tasks/"
    assert not FollowUp.objects.filter(escalated=False).exists()
    assert AuditEvent.objects.filter(verb="follow_up.escalate").count() == 3


def test_a_follow_up_reminded_before_batches_is_not_reminded_again(
    client, world, staff, klass, three
):
    """0005 marks a follow-up reminded under its old per-follow-up key as reminded."""
    import importlib

    from django.apps import apps

    _open_all(klass)
    first, second, third = FollowUp.objects.order_by("pk")
    old = Notification.objects.create(
        recipient=world.alice, event="reminder", key=f"follow_up:{second.pk}:reminder"
    )
    importlib.import_module("feedback.migrations.0005_follow_up_reminded_at").mark_reminded(
        apps, None
    )
    second.refresh_from_db()
    assert second.reminded_at == old.created_at
    fire_at(first.due_at - dt.timedelta(hours=12))
    new = Notification.objects.exclude(pk=old.pk).get(
        event="reminder", key__startswith="follow_up:"
    )
    assert new.title == "提醒：2 名学员的训后跟踪考核" and second.cadre.name not in new.body
