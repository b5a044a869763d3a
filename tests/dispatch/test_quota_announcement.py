"""A quota roll call (名额分配) tells the liaisons of the units given seats at once — they
used to hear nothing until the reminder three days before the deadline: ONE message per
liaison for the roll call, listing every unit they serve with its seats, the class and
the deadline, linked to a page where they nominate."""

import pytest

from dispatch import notices
from dispatch.models import QuotaAllocation, RollCall
from notifications.models import Event, Notification
from org import services as org_services
from tests.factories import user
from tests.flowtools import deadline, notified, open_task, process_of, task_url

pytestmark = pytest.mark.klass(name="青年干部专题班", quota=10)


@pytest.fixture
def mia(world, staff):
    """A liaison of both A and B."""
    person = user("mia", "unit_liaison", world.a)
    org_services.role_grant(actor=None, user=person, role="unit_liaison", unit=world.b)
    return person


def allot(client, world, klass, lines):
    client.force_login(world.bob)
    response = client.post(
        "/workflow/rollcall/start/",
        {
            "training_class": klass.pk,
            "mode": "quota",
            "response_deadline": deadline(10),
            "allocations": lines,
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    return RollCall.objects.get(training_class=klass)


def test_each_liaison_hears_of_the_seats_once(world, staff, mia, klass, client):
    roll_call = allot(client, world, klass, f"{world.a.code} 2\n{world.b.code} 1")
    a = QuotaAllocation.objects.get(unit=world.a)
    b = QuotaAllocation.objects.get(unit=world.b)

    allotted = Notification.objects.filter(event=Event.ALLOTTED)
    assert sorted(allotted.values_list("recipient__username", flat=True)) == [
        "lily",
        "luke",
        "mia",
    ]
    assert set(allotted.values_list("key", flat=True)) == {f"rollcall:{roll_call.pk}:allotted"}
    assert not notified("dispatched")  # nobody is dispatched before a nomination is accepted

    # A liaison of one unit: its seats, the class and the deadline, linked to the unit's
    # nomination, whose nominate task is open to them.
    lily = allotted.get(recipient=staff.lily)
    assert lily.context["units"] == [{"unit_name": world.a.name, "seats": 2}]
    assert lily.context["seat_count"] == 2
    assert klass.name in lily.title and world.a.name in lily.body
    assert world.b.name not in lily.body and lily.context["deadline"]
    assert lily.url == f"/workflow/nomination/{process_of(a, 'NominationFlow').pk}/"
    luke = allotted.get(recipient=staff.luke)
    assert luke.context["units"] == [{"unit_name": world.b.name, "seats": 1}]
    assert luke.url == f"/workflow/nomination/{process_of(b, 'NominationFlow').pk}/"

    # A liaison of both units: ONE message listing both, linked to My tasks.
    both = allotted.get(recipient=mia)
    assert {u["unit_name"]: u["seats"] for u in both.context["units"]} == {
        world.a.name: 2,
        world.b.name: 1,
    }
    assert both.context["seat_count"] == 3
    assert world.a.name in both.body and world.b.name in both.body
    assert both.url == "/"

    # Each link opens for its recipient, and so does the nominate task it leads to.
    for notification in allotted.select_related("recipient"):
        client.force_login(notification.recipient)
        page = client.get(notification.url)
        assert page.status_code == 200, (notification.recipient.username, notification.url)
    client.force_login(staff.lily)
    nominate = open_task(process_of(a, "NominationFlow"), "nominate")
    assert task_url(nominate) in client.get(lily.url).content.decode()

    # Told once: announcing the roll call again tells nobody twice.
    notices.seats_allotted(roll_call, [a, b])
    assert allotted.count() == 3
