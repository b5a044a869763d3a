"""A trainee whose attendance is corrected (考勤更正) to absent did not attend: the
evaluation their attendance opened is withdrawn — out of 我的待办, not counted in the
report, not to be filled in — and the follow-up not yet answered with it (its task
ended), audited as the registrar's correction. Corrected back to present, they are the
trainee's again; a trainee first recorded absent gets one."""

import datetime as dt

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from viewflow.workflow.status import PROCESS

from audit.models import AuditEvent
from dispatch.flows.attendance import attendance_correct_and_continue
from dispatch.models import Dispatch
from feedback import policy, selectors, services, todos
from feedback.flows import start_due_follow_ups
from feedback.models import Evaluation, EvaluationStatus, FollowUp, FollowUpStatus
from tests.feedback.kit import attended, sessions, trainees
from tests.flowtools import process_of

pytestmark = pytest.mark.django_db

REASON = "登记有误：该学员未到班，已核对签到表"


def correct(world, dispatch, result, reason=REASON):
    return attendance_correct_and_continue(
        actor=world.rita, dispatch=dispatch, result=result, leave_hours=0, reason=reason
    )


def line(klass) -> dict:
    (figures,) = selectors.class_lines([klass])
    return figures


def evaluation_of(person) -> Evaluation:
    return Evaluation.objects.get(cadre=person)


def test_an_absence_corrected_withdraws_the_evaluation_and_the_follow_up(
    client, world, staff, klass
):
    sessions(klass)
    others = trainees(world, 2)
    attended(client, world, staff, klass, [world.cadre_a, *others])
    evaluation = evaluation_of(world.cadre_a)
    url = f"/feedback/evaluations/{evaluation.pk}/"
    assert todos.count(world.dave) == 1
    assert line(klass)["invited"] == 3 and line(klass)["follow_ups"] == 3

    correct(world, evaluation.dispatch, "absent")

    evaluation.refresh_from_db()
    assert evaluation.status == EvaluationStatus.WITHDRAWN
    follow_up = FollowUp.objects.get(cadre=world.cadre_a)
    assert follow_up.status == FollowUpStatus.WITHDRAWN
    # Audited as the registrar's, with the correction's reason.
    for verb, target in (("feedback.withdraw", evaluation), ("follow_up.withdraw", follow_up)):
        event = AuditEvent.objects.get(verb=verb, target_id=str(target.pk))
        assert event.actor == world.rita and event.note == REASON
    # Out of 我的待办 and of the trainee's list; the page says why.
    assert todos.count(world.dave) == 0 and todos.rows(world.dave, 10) == []
    client.force_login(world.dave)
    assert url not in client.get("/tasks/").content.decode()
    assert url not in client.get("/feedback/evaluations/").content.decode()
    response = client.get(url, follow=True)
    assert response.redirect_chain[-1][0] == "/feedback/evaluations/"
    with translation.override(settings.LANGUAGE_CODE):
        assert str(policy.EVALUATION_WITHDRAWN) in response.content.decode()
    with pytest.raises(ValidationError):
        services.evaluation_submit(
            actor=world.dave,
            evaluation=evaluation,
            score=5,
            sessions={s.pk: (5, "") for s in klass.sessions.all()},
        )
    # Not counted: the others are the trainees the report expects.
    assert line(klass)["invited"] == 2 and line(klass)["follow_ups"] == 2


def test_a_withdrawn_trainee_is_withdrawn_from_the_evaluation_too(client, world, staff, klass):
    attended(client, world, staff, klass, [world.cadre_a])
    correct(world, evaluation_of(world.cadre_a).dispatch, "withdrawn")
    assert evaluation_of(world.cadre_a).status == EvaluationStatus.WITHDRAWN
    assert todos.count(world.dave) == 0
    # The only evaluation of the class withdrawn: the class leaves the report.
    assert not selectors.report_classes(world.bob).filter(pk=klass.pk).exists()


def test_corrected_back_to_present_the_evaluation_is_the_trainees_again(
    client, world, staff, klass
):
    attended(client, world, staff, klass, [world.cadre_a])
    dispatch = evaluation_of(world.cadre_a).dispatch
    correct(world, dispatch, "absent")
    correct(world, Dispatch.objects.get(pk=dispatch.pk), "present", reason="再次核对：全程在班")

    evaluation = evaluation_of(world.cadre_a)
    assert evaluation.status == EvaluationStatus.OPEN
    assert FollowUp.objects.get(cadre=world.cadre_a).status == FollowUpStatus.SCHEDULED
    assert todos.count(world.dave) == 1 and line(klass)["invited"] == 1
    event = AuditEvent.objects.get(verb="feedback.reopen", target_id=str(evaluation.pk))
    assert event.actor == world.rita and event.note == "再次核对：全程在班"
    assert AuditEvent.objects.filter(verb="follow_up.reschedule").count() == 1


def test_an_answered_evaluation_is_not_counted_while_withdrawn(client, world, staff, klass):
    session_rows = sessions(klass, 1)
    people = trainees(world, 3)
    attended(client, world, staff, klass, people)
    for person in people:
        services.evaluation_submit(
            actor=person.user,
            evaluation=evaluation_of(person),
            score=5 if person == people[0] else 3,
            comment=f"意见{person.pk}",
            sessions={session_rows[0].pk: (5 if person == people[0] else 3, "")},
        )
    assert line(klass)["answered"] == 3

    dispatch = evaluation_of(people[0]).dispatch
    correct(world, dispatch, "absent")
    figures = line(klass)
    assert (figures["invited"], figures["answered"]) == (2, 2)
    assert figures["score"] is None  # fewer than three answers: not shown
    assert all(s["answers"] == 2 for s in selectors.session_lines(klass))
    assert selectors.class_comments(klass) == []

    correct(world, Dispatch.objects.get(pk=dispatch.pk), "present", reason="再次核对：全程在班")
    assert evaluation_of(people[0]).status == EvaluationStatus.SUBMITTED
    assert line(klass)["answered"] == 3


def test_an_opened_follow_up_is_withdrawn_with_its_task(client, world, staff, klass):
    attended(client, world, staff, klass, [world.cadre_a])
    follow_up = FollowUp.objects.get(cadre=world.cadre_a)
    FollowUp.objects.filter(pk=follow_up.pk).update(due_on=dt.date.today())
    assert start_due_follow_ups() == 1
    process = process_of(follow_up, "FollowUpFlow")

    correct(world, follow_up.dispatch, "absent")

    follow_up.refresh_from_db()
    process.refresh_from_db()
    assert follow_up.status == FollowUpStatus.WITHDRAWN
    assert process.status == PROCESS.CANCELED
    assert not process.task_set.exclude(status__in=["DONE", "CANCELED"]).exists()

    # Back to present: scheduled again, and the daily pass opens it anew.
    correct(world, Dispatch.objects.get(pk=follow_up.dispatch_id), "present", reason="再次核对")
    assert FollowUp.objects.get(pk=follow_up.pk).status == FollowUpStatus.SCHEDULED
    assert start_due_follow_ups() == 1


def test_a_trainee_first_recorded_absent_gets_an_evaluation_when_corrected_to_present(
    client, world, staff, klass
):
    attended(client, world, staff, klass, [], absent=[world.cadre_a])
    assert not Evaluation.objects.filter(cadre=world.cadre_a).exists()
    correct(world, Dispatch.objects.get(cadre=world.cadre_a), "present", reason="再次核对")
    assert evaluation_of(world.cadre_a).status == EvaluationStatus.OPEN
    assert todos.count(world.dave) == 1
