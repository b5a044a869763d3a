"""An open evaluation is the trainee's to-do in 我的待办 (home and /tasks/), though no
flow's task; submitted, it leaves."""

import pytest

from feedback.models import Evaluation
from tests.feedback.kit import attended, sessions

pytestmark = pytest.mark.django_db


def test_the_trainee_finds_the_evaluation_in_my_tasks_until_it_is_submitted(
    client, world, staff, klass
):
    sessions(klass)
    attended(client, world, staff, klass, [world.cadre_a])
    evaluation = Evaluation.objects.get(cadre=world.cadre_a)
    url = f"/feedback/evaluations/{evaluation.pk}/"
    client.force_login(world.dave)
    home = client.get("/").content.decode()
    tasks = home.split('id="tasks"', 1)[1].split("</section>", 1)[0]
    assert "评价培训班" in tasks and klass.name in tasks and url in tasks
    assert url in client.get("/tasks/").content.decode()
    assert url in client.get("/tasks/?show=mine").content.decode()
    assert url not in client.get("/tasks/?show=queue").content.decode()
    answers = {"score": "5", **{f"session_{s.pk}": "4" for s in klass.sessions.all()}}
    assert client.post(url, answers).status_code == 302
    assert url not in client.get("/").content.decode().split('id="tasks"', 1)[1]
    assert url not in client.get("/tasks/").content.decode()


def test_nobody_else_sees_the_trainees_evaluation(client, world, staff, klass):
    attended(client, world, staff, klass, [world.cadre_a])
    evaluation = Evaluation.objects.get(cadre=world.cadre_a)
    for other in (world.bob, world.alice, staff.lily):
        client.force_login(other)
        assert (
            f"/feedback/evaluations/{evaluation.pk}/" not in client.get("/tasks/").content.decode()
        )
