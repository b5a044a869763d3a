"""The report per class and per institution: aggregates only, none of fewer than three
answers, within the reader's reach, paged, exportable, at a flat number of queries."""

import datetime as dt
import io

import openpyxl
import pytest
from django.utils import timezone

from dispatch.models import Dispatch, DispatchStatus
from dispatch.services.dispatching import attendance_record
from feedback import selectors, services
from feedback.models import Evaluation
from tests.factories import cadre, training_class, user
from tests.feedback.kit import sessions


def _class_with_answers(
    world, answers, invited=None, organizer=None, start_days_ago=20, without_account=0
):
    """A finished class of the city at the school: `invited` trainees attended (through
    the attendance service), the first `answers` of them evaluated it; and
    `without_account` more attended who have no account."""
    klass = training_class(
        organizer or world.city_od,
        world.school,
        timezone.localdate() - dt.timedelta(days=start_days_ago),
    )
    session_rows = sessions(klass, 1)
    total = invited or answers
    for n in range(total + without_account):
        person = cadre(f"学员{klass.pk}-{n}", world.a, world.city_od)
        account = None
        if n < total:
            account = user(f"t{klass.pk}-{n}", "trainee")
            person.user = account
            person.save(update_fields=["user"])
        dispatch = Dispatch.objects.create(
            training_class=klass,
            cadre=person,
            unit=person.unit,
            status=DispatchStatus.ACKNOWLEDGED,
            confirm_due=timezone.now(),
        )
        attendance_record(actor=world.rita, dispatch=dispatch, result="present")
        if n < answers:
            services.evaluation_submit(
                actor=account,
                evaluation=Evaluation.objects.get(dispatch=dispatch),
                score=5 - n % 2,
                comment=f"建议{n}",
                sessions={session_rows[0].pk: (4, "")},
            )
    return klass


def test_fewer_than_three_answers_show_no_average(client, world):
    two = _class_with_answers(world, 2, invited=4)
    three = _class_with_answers(world, 3)
    lines = {line["training_class"].pk: line for line in selectors.class_lines([two, three])}
    assert (lines[two.pk]["invited"], lines[two.pk]["answered"], lines[two.pk]["score"]) == (
        4,
        2,
        None,
    )
    assert lines[three.pk]["score"] == round((5 + 4 + 5) / 3, 2)
    assert selectors.session_lines(two)[0]["score"] is None
    assert selectors.session_lines(three)[0]["score"] == 4.0
    client.force_login(world.bob)
    page = client.get(f"/feedback/report/classes/{two.pk}/").content.decode()
    assert "3" in page and "建议0" not in page  # no comments below the threshold either
    assert "不足" in page or "fewer than" in page


def test_trainees_without_an_account_are_not_counted_as_asked(world):
    """Only a trainee with an account is asked to evaluate (one without could never
    answer): 应评 counts those asked, so the rate is not lowered by them."""
    klass = _class_with_answers(world, 3, invited=4, without_account=2)
    assert Evaluation.objects.filter(training_class=klass).count() == 6
    (line,) = selectors.class_lines([klass])
    assert (line["invited"], line["answered"]) == (4, 3)


def test_the_institution_sees_aggregates_of_its_classes_only(client, world):
    klass = _class_with_answers(world, 3)
    client.force_login(world.rita)
    page = client.get(f"/feedback/report/classes/{klass.pk}/").content.decode()
    assert "4.67" in page
    assert "建议0" not in page and f"学员{klass.pk}-0" not in page
    # The department's dispatcher reads the comments, unsigned.
    client.force_login(world.bob)
    page = client.get(f"/feedback/report/classes/{klass.pk}/").content.decode()
    assert "建议0" in page and f"学员{klass.pk}-0" not in page


def test_readers_outside_the_class_are_refused(client, world):
    klass = _class_with_answers(world, 3)
    for person, status in [(world.carol, 404), (world.alice, 404), (world.charlie, 404)]:
        client.force_login(person)
        assert client.get(f"/feedback/report/classes/{klass.pk}/").status_code == status
        assert klass.name not in client.get("/feedback/report/").content.decode()
    client.force_login(world.dave)  # a trainee reaches no unit
    assert client.get("/feedback/report/").status_code == 403
    assert client.get("/feedback/report/institutions/").status_code == 403
    client.logout()
    assert client.get("/feedback/report/").status_code == 302


def test_the_report_downloads_as_xlsx(client, world):
    klass = _class_with_answers(world, 3)
    client.force_login(world.bob)
    for url, first in [
        ("/feedback/report/?format=xlsx", klass.name),
        ("/feedback/report/institutions/?format=xlsx", world.school.name),
    ]:
        response = client.get(url)
        assert response.status_code == 200
        sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[1][0] == first
        assert 3 in rows[1] and 4.67 in rows[1]


@pytest.mark.parametrize("classes", [1, 50])
def test_report_pages_take_a_flat_number_of_queries(
    client, world, django_assert_max_num_queries, classes
):
    for n in range(classes):
        klass = training_class(
            world.city_od, world.school, timezone.localdate() - dt.timedelta(days=10 + n)
        )
        person = world.cadre_a
        dispatch = Dispatch.objects.create(
            training_class=klass,
            cadre=person,
            unit=person.unit,
            status=DispatchStatus.ATTENDED,
            confirm_due=timezone.now(),
        )
        assert Evaluation.objects.filter(dispatch=dispatch).exists()
    client.force_login(world.bob)
    with django_assert_max_num_queries(16):
        assert client.get("/feedback/report/").status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get("/feedback/report/institutions/").status_code == 200
    client.force_login(world.dave)
    with django_assert_max_num_queries(14):
        assert client.get("/feedback/evaluations/").status_code == 200
