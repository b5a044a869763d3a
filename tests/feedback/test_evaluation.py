"""Attendance → the trainee's evaluation → the report (aggregates only)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from audit.models import AuditEvent
from feedback import services
from feedback.models import Evaluation, EvaluationStatus, FollowUp, SessionScore
from notifications.models import Notification
from tests.feedback.kit import attended, sessions, trainees


def _answers(evaluation, score=4, session_score=5):
    return {
        "score": str(score),
        "comment": "很有收获",
        **{f"session_{s.pk}": str(session_score) for s in evaluation.training_class.sessions.all()},
    }


def test_attendance_opens_one_evaluation_and_one_message_per_trainee(client, world, staff, klass):
    sessions(klass)
    people = trainees(world, 2)
    absentee = trainees(world, 1)
    attended(client, world, staff, klass, [world.cadre_a, *people], absent=absentee)

    evaluations = Evaluation.objects.filter(training_class=klass)
    assert {e.cadre_id for e in evaluations} == {world.cadre_a.pk, *(p.pk for p in people)}
    assert all(e.status == EvaluationStatus.OPEN for e in evaluations)
    assert FollowUp.objects.filter(training_class=klass).count() == 3
    for person in [world.cadre_a, *people]:
        person.refresh_from_db()
        messages = Notification.objects.filter(
            recipient=person.user, url__startswith="/feedback/evaluations/"
        )
        assert messages.count() == 1
    assert not Notification.objects.filter(
        recipient=absentee[0].user, url__startswith="/feedback/"
    ).exists()
    assert AuditEvent.objects.filter(verb="feedback.open").count() == 3
    # Hearing the same attendance again (a second save) opens nothing new.
    dispatch = Evaluation.objects.get(cadre=world.cadre_a).dispatch
    dispatch.save(update_fields=["status"])
    assert Evaluation.objects.filter(training_class=klass).count() == 3


def test_the_trainee_evaluates_the_class_and_each_session_once(client, world, staff, klass):
    session_rows = sessions(klass)
    attended(client, world, staff, klass, [world.cadre_a])
    evaluation = Evaluation.objects.get(cadre=world.cadre_a)
    client.force_login(world.dave)
    page = client.get("/feedback/evaluations/")
    assert klass.name in page.content.decode()
    response = client.post(f"/feedback/evaluations/{evaluation.pk}/", _answers(evaluation))
    assert response.status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.status == EvaluationStatus.SUBMITTED and evaluation.score == 4
    assert {s.session_id: s.score for s in SessionScore.objects.filter(evaluation=evaluation)} == {
        s.pk: 5 for s in session_rows
    }
    assert AuditEvent.objects.filter(verb="feedback.submit", target_id=str(evaluation.pk)).exists()

    # A second evaluation: refused in Chinese, nothing written.
    before = AuditEvent.objects.count()
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        services.evaluation_submit(actor=world.dave, evaluation=evaluation, score=1)
    assert "已" in refused.value.messages[0]
    assert AuditEvent.objects.count() == before
    assert SessionScore.objects.filter(evaluation=evaluation).count() == 2
    # And the database keeps one evaluation per trainee per class.
    with pytest.raises(IntegrityError), transaction.atomic():
        Evaluation.objects.create(
            training_class=klass, cadre=world.cadre_a, dispatch=evaluation.dispatch
        )


def test_a_class_without_sessions_gets_a_class_only_evaluation(client, world, staff, klass):
    attended(client, world, staff, klass, [world.cadre_a])
    evaluation = Evaluation.objects.get(cadre=world.cadre_a)
    client.force_login(world.dave)
    page = client.get(f"/feedback/evaluations/{evaluation.pk}/").content.decode()
    assert "session_" not in page
    # Each score says what it means.
    for shown in ("5（很满意）", "3（基本满意）", "1（不满意）"):
        assert shown in page, shown
    assert client.post(f"/feedback/evaluations/{evaluation.pk}/", {"score": "3"}).status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.score == 3 and not evaluation.sessions.exists()


@pytest.mark.parametrize("score", ["0", "6", "4.5", "五"])
def test_scores_outside_one_to_five_are_refused_in_chinese(client, world, staff, klass, score):
    sessions(klass, 1)
    attended(client, world, staff, klass, [world.cadre_a])
    evaluation = Evaluation.objects.get(cadre=world.cadre_a)
    before = AuditEvent.objects.count()
    client.force_login(world.dave)
    with translation.override("zh-hans"):
        answers = {**_answers(evaluation), "score": score}
        response = client.post(
            f"/feedback/evaluations/{evaluation.pk}/", answers, HTTP_ACCEPT_LANGUAGE="zh-hans"
        )
    assert response.status_code == 200
    assert "1至5" in response.content.decode() or "1 到 5" in response.content.decode()
    evaluation.refresh_from_db()
    assert evaluation.status == EvaluationStatus.OPEN
    assert AuditEvent.objects.count() == before and not SessionScore.objects.exists()


def test_a_session_score_out_of_range_writes_nothing(client, world, staff, klass):
    first, second = sessions(klass)
    attended(client, world, staff, klass, [world.cadre_a])
    evaluation = Evaluation.objects.get(cadre=world.cadre_a)
    with pytest.raises(ValidationError) as refused:
        services.evaluation_submit(
            actor=world.dave,
            evaluation=evaluation,
            score=5,
            sessions={first.pk: (5, ""), second.pk: (9, "")},
        )
    assert f"session_{second.pk}" in refused.value.message_dict
    assert not SessionScore.objects.exists()
    evaluation.refresh_from_db()
    assert evaluation.status == EvaluationStatus.OPEN


def test_nobody_but_the_trainee_who_attended_may_evaluate(client, world, staff, klass):
    attended(client, world, staff, klass, [world.cadre_a, world.cadre_a1])
    evaluation = Evaluation.objects.get(cadre=world.cadre_a)
    without_account = Evaluation.objects.get(cadre=world.cadre_a1)
    before = AuditEvent.objects.count()
    # The liaison may not fill in the evaluation of a cadre without an account.
    for person, target in [
        (staff.lily, without_account),
        (world.alice, evaluation),
        (world.rita, evaluation),
        (world.bob, evaluation),
    ]:
        with translation.override("zh-hans"), pytest.raises(PermissionDenied) as refused:
            services.evaluation_submit(actor=person, evaluation=target, score=5)
        assert "学员" in str(refused.value)
        client.force_login(person)
        assert client.get(f"/feedback/evaluations/{target.pk}/").status_code == 404
        assert client.post(f"/feedback/evaluations/{target.pk}/", {"score": "5"}).status_code == 404
    # Someone who did not attend has no evaluation to fill in at all.
    client.force_login(world.charlie)
    assert client.get(f"/feedback/evaluations/{evaluation.pk}/").status_code == 404
    assert AuditEvent.objects.count() == before
    assert not Evaluation.objects.filter(status=EvaluationStatus.SUBMITTED).exists()
