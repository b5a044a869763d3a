"""A class is evaluated once it has ended: before its last day the service refuses the
evaluation (no session is scored before it is held) and 我的待办 does not list it; from
its last day on both take it."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from audit.models import AuditEvent
from dispatch.models import TrainingClass
from feedback import services
from feedback.models import Evaluation, EvaluationStatus, SessionScore
from notifications.models import Notification
from tests.factories import attended as attended_from
from tests.factories import aware
from tests.feedback.kit import attended, sessions

pytestmark = pytest.mark.django_db


@pytest.fixture
def running(client, world, staff, klass):
    """Cadre A attended the first days of a class that ends in two days; their open
    evaluation."""
    sessions(klass)
    attended(client, world, staff, klass, [world.cadre_a])
    TrainingClass.objects.filter(pk=klass.pk).update(
        end_date=timezone.localdate() + dt.timedelta(days=2)
    )
    klass.refresh_from_db()
    return Evaluation.objects.get(cadre=world.cadre_a)


def _submit(world, evaluation):
    return services.evaluation_submit(
        actor=world.dave,
        evaluation=evaluation,
        score=4,
        sessions={s.pk: (5, "") for s in evaluation.training_class.sessions.all()},
    )


def _tasks(client):
    return client.get("/").content.decode().split('id="tasks"', 1)[1].split("</section>", 1)[0]


def test_the_service_refuses_an_evaluation_before_the_class_ends(world, running):
    before = AuditEvent.objects.count()
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        _submit(world, running)
    assert refused.value.messages == ["班次结业后方可评价。"]
    running.refresh_from_db()
    assert running.status == EvaluationStatus.OPEN and running.score is None
    assert not SessionScore.objects.exists()
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("days_after_the_end", [0, 1, 40])
def test_the_service_accepts_the_evaluation_from_the_last_day_on(
    world, klass, running, days_after_the_end
):
    day = klass.end_date + dt.timedelta(days=days_after_the_end)
    with time_machine.travel(aware(day, 8), tick=False):
        _submit(world, running)
    running.refresh_from_db()
    assert running.status == EvaluationStatus.SUBMITTED and running.sessions.count() == 2
    assert AuditEvent.objects.filter(verb="feedback.submit", target_id=str(running.pk)).exists()


def test_the_page_says_so_and_refuses_a_forged_post_before_the_end(client, world, running):
    url = f"/feedback/evaluations/{running.pk}/"
    client.force_login(world.dave)
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "班次结业后方可评价。" in page and 'name="score"' not in page
    answers = {
        "score": "5",
        **{f"session_{s.pk}": "4" for s in running.training_class.sessions.all()},
    }
    response = client.post(url, answers, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200 and "班次结业后方可评价。" in response.content.decode()
    running.refresh_from_db()
    assert running.status == EvaluationStatus.OPEN


def test_my_tasks_list_the_evaluation_only_from_the_last_day_on(client, world, klass, running):
    url = f"/feedback/evaluations/{running.pk}/"
    client.force_login(world.dave)
    assert url not in _tasks(client)
    assert url not in client.get("/tasks/").content.decode()
    # The evaluation itself stays in 我的评估, waiting for the class to end.
    assert url in client.get("/feedback/evaluations/").content.decode()
    with time_machine.travel(aware(klass.end_date, 8), tick=False):
        client.force_login(world.dave)
        assert url in _tasks(client)
        assert url in client.get("/tasks/").content.decode()


def test_the_trainee_is_asked_for_the_evaluation_on_the_last_day_not_before(world):
    """Attendance recorded on the first day opens the evaluation but sends no message;
    the daily pass asks the trainee once, from the class's last day on."""
    today = timezone.localdate()
    klass = attended_from(world, world.cadre_a, today)  # a 5-day class, ends in 4 days
    dispatch = klass.dispatches.get(cadre=world.cadre_a)
    services.feedback_open(dispatch=dispatch)
    asked = Notification.objects.filter(recipient=world.dave, key__startswith="feedback:evaluation")
    assert Evaluation.objects.filter(cadre=world.cadre_a, training_class=klass).exists()
    assert not asked.exists()
    assert services.evaluations_invite(today) == 0
    assert not asked.exists()
    assert services.evaluations_invite(klass.end_date) == 1
    assert services.evaluations_invite(klass.end_date + dt.timedelta(days=1)) == 1
    assert asked.count() == 1
    assert klass.name in asked.get().body
