"""What the trainee's evaluation pages promise about who sees the answers is what the
report does. They used to say that the answers were shown to others only as averages of
at least three, while the organizing department reads each comment on the class as
written (unsigned): the statement now says so, and the report keeps to it."""

from django.utils import translation
from django.utils.translation import gettext

from feedback.models import Evaluation
from tests.feedback.kit import attended, sessions, trainees

#: the statement both evaluation pages make (its msgid)
STATEMENT = (
    "Your scores of the class and of its sessions are shown to others only as averages of "
    "at least three answers. Your comment on the class is shown as you wrote it, without "
    "your name, to the organizing department (and those above it) once at least three "
    "trainees have answered; the institution sees only the averages. Your comments on the "
    "sessions are shown to no one else."
)
#: the old statement, as the pages printed it in Chinese
UNTRUE = "您的评价仅以不少于3份评价的平均数形式向他人展示；培训机构只能看到这些平均数。"


def statement() -> str:
    with translation.override("zh-hans"):
        return gettext(STATEMENT)


def report(response) -> str:
    """The report's own content (not the messages of the steps taken before it)."""
    page = response.content.decode()
    return page[page.index("<h1") :]


def test_the_evaluation_pages_say_who_sees_the_comments(client, world, staff, klass):
    attended(client, world, staff, klass, [world.cadre_a])
    evaluation = Evaluation.objects.get(cadre=world.cadre_a)
    client.force_login(world.dave)
    for url in ("/feedback/evaluations/", f"/feedback/evaluations/{evaluation.pk}/"):
        page = client.get(url).content.decode()
        assert statement() in page, url
        assert UNTRUE not in page, url


def test_the_report_keeps_to_the_statement(client, world, staff, klass):
    """Three trainees answered: the organizing department reads each comment on the
    class verbatim and unsigned; the institution reads none; no one reads a comment on
    a session; scores only as averages."""
    (session,) = sessions(klass, 1)
    people = [world.cadre_a, *trainees(world, 2)]
    attended(client, world, staff, klass, people)
    for n, person in enumerate(people):
        person.refresh_from_db()
        evaluation = Evaluation.objects.get(cadre=person)
        client.force_login(person.user)
        response = client.post(
            f"/feedback/evaluations/{evaluation.pk}/",
            {
                "score": str(5 - n % 2),
                "comment": f"班次意见{n}",
                f"session_{session.pk}": "4",
                f"session_{session.pk}_comment": f"课程意见{n}",
            },
        )
        assert response.status_code == 302

    url = f"/feedback/report/classes/{klass.pk}/"
    client.force_login(world.bob)  # the organizing (city) department's dispatcher
    page = report(client.get(url))
    assert all(f"班次意见{n}" in page for n in range(3))
    assert not any(f"课程意见{n}" in page for n in range(3))
    assert [person.name for person in people if person.name in page] == []
    assert "4.67" in page  # the class's average, not each score

    client.force_login(world.rita)  # the institution's registrar
    page = report(client.get(url))
    assert "4.67" in page
    assert not any(f"班次意见{n}" in page or f"课程意见{n}" in page for n in range(3))
