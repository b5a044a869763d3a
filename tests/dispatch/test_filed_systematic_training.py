"""A systematic training taken elsewhere (a party school's main class, filed as 报备 and
marked 系统培训) counts, once accepted, for a leadership-team member's cycle and a young
cadre's rotation exactly as an attended class of Xundiao's own: in the training record's
cycles, the suggestions and the circular's rate. A filing not marked, or not accepted,
does not."""

import datetime as dt

import pytest

from dispatch.leadership import cadre_cycles, leadership_compliance
from dispatch.models import Filing, FilingStatus
from dispatch.suggestions import suggest
from org.models import Cadre
from tests.factories import cadre, training_class
from tests.flowtools import Staff, act, filing_data, open_task, process_of

AS_OF = dt.date(2026, 6, 10)


def leader(world, name):
    return cadre(name, world.a, world.city_od, category="county_leader", is_leadership_member=True)


def filed(world, person, ended, *, systematic=True, status=FilingStatus.ACCEPTED):
    filing = Filing.objects.create(
        unit=world.a,
        title="省委党校县处级干部进修班",
        organizer_name="省委组织部",
        start_date=ended - dt.timedelta(days=59),
        end_date=ended,
        hours=240,
        systematic=systematic,
        status=status,
        filed_by=world.bob,
    )
    filing.participants.set([person])
    return filing


@pytest.mark.parametrize(
    "systematic, status, met",
    [
        (True, FilingStatus.ACCEPTED, True),
        (False, FilingStatus.ACCEPTED, False),  # hours, not a systematic training
        (True, FilingStatus.SUBMITTED, False),  # not yet accepted
        (True, FilingStatus.REJECTED, False),
    ],
)
def test_an_accepted_systematic_filing_is_a_leaders_systematic_training(
    world, systematic, status, met
):
    person = leader(world, "省校学员")
    filed(world, person, dt.date(2025, 1, 20), systematic=systematic, status=status)
    check = cadre_cycles(person, AS_OF)[0]
    assert check.met is met
    assert ("2025年1月20日" in check.detail) is met
    summary = leadership_compliance(Cadre.objects.filter(pk=person.pk), AS_OF)
    assert summary["leaders_systematic_overdue"] == (0 if met else 1)
    klass = training_class(world.city_od, world.school, AS_OF, name="待调训班")
    by_name = {s.cadre.name: s for s in suggest(world.bob, klass)}
    overdue = any("系统培训" in reason for reason in by_name["省校学员"].reasons)
    assert overdue is not met


def test_the_later_of_a_class_and_a_filing_is_the_last_systematic_training(world):
    from tests.factories import attended

    person = leader(world, "两处受训")
    attended(world, person, dt.date(2022, 3, 7))  # ends 2022-03-11: too old alone
    filed(world, person, dt.date(2024, 11, 29))
    check = cadre_cycles(person, AS_OF)[0]
    assert check.met and "2024年11月29日" in check.detail


def test_a_young_cadre_is_rotated_through_a_filed_class(world):
    person = cadre(
        "年轻干部",
        world.a,
        world.city_od,
        is_young_cadre=True,
        young_cadre_since=dt.date(2024, 1, 1),
    )
    filed(world, person, dt.date(2023, 6, 30))  # before being flagged: not the rotation
    assert not cadre_cycles(person, AS_OF)[0].met
    filed(world, person, dt.date(2025, 5, 16))
    assert cadre_cycles(person, AS_OF)[0].met


def test_the_liaison_marks_it_and_the_reviewer_sees_it(world, client):
    staff = Staff(world)
    client.force_login(staff.lily)
    response = client.post("/workflow/filing/start/", filing_data(world, systematic="on"))
    assert response.status_code == 302
    filing = Filing.objects.get()
    assert filing.systematic
    client.force_login(world.bob)
    task = open_task(process_of(filing, "FilingFlow"), "review")
    client.post(f"/workflow/filing/{task.process_id}/review/{task.pk}/assign/")
    page = client.get(f"/workflow/filing/{task.process_id}/review/{task.pk}/execute/")
    assert "<th>系统培训</th><td>是</td>" in page.content.decode()
    act(client, task, {"decision": "accepted", "comment": ""})
    filing.refresh_from_db()
    assert filing.status == FilingStatus.ACCEPTED and filing.systematic
