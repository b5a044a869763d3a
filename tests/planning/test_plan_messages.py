"""The plan's refusals say what happened in the words of the case: seats named and
offered to the partner counted together; a line someone else changed meanwhile; a
cadre already nominated, by name; the partner's seats called the partner's. The
consultation's choice is a 会商 opinion, not an approval."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext

from planning import services
from tests.flowtools import open_task, process_of
from tests.planning.helpers import Partner, dates, plan_in_flow, publish, quota_line, task_url
from workflow.runtime import complete_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(world):
    start, _end = dates(60)
    return services.plan_create(actor=world.bob, org_department=world.city_od, year=start.year)


def refusal(call) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.messages


def test_cadres_named_and_partner_seats_are_counted_together(world, plan):
    partner = Partner()
    messages = refusal(
        lambda: quota_line(
            world,
            plan,
            mode="named",
            allocations=[],
            cadres=[world.cadre_a, world.cadre_a1],
            seats=2,
            partner=partner.od,
            partner_seats=1,
        )
    )
    assert messages == [
        gettext(
            "%(named)d cadres named and %(partner)d seats offered to the partner: "
            "%(total)d in all, more than the class's %(quota)d seats."
        )
        % {"named": 2, "partner": 1, "total": 3, "quota": 2}
    ]


def test_a_line_changed_meanwhile_asks_for_a_refresh(client, world, staff, plan):
    stale = quota_line(world, plan)
    fields = {
        "name": "改名的进修班",
        "institution": world.school,
        "start_date": stale.start_date,
        "end_date": stale.end_date,
        "dispatch_date": stale.dispatch_date,
        "hours": stale.hours,
        "days": stale.days,
        "seats": stale.seats,
        "mode": stale.mode,
        "allocations": [(world.a, 3), (world.b, 1)],
        "sessions": list(
            stale.sessions.values(
                "date", "hours", "content", "method", "teacher", "by_leading_cadre", "title"
            )
        ),
    }
    services.line_change(actor=world.bob, line=stale, **fields)
    expected = gettext("This class has been changed by someone else: please refresh and try again.")
    assert refusal(lambda: services.line_change(actor=world.bob, line=stale, **fields)) == [
        expected
    ]
    assert refusal(lambda: services.line_waive(actor=staff.oscar, line=stale, reason="x")) == [
        expected
    ]
    client.force_login(world.bob)
    response = client.get(f"/plans/lines/{stale.pk}/change/", follow=True)
    assert expected in [str(m) for m in response.context["messages"]]


def test_the_partners_nominations_name_who_is_nominated_and_count_its_seats(world, staff, plan):
    partner = Partner()
    line = quota_line(world, plan, seats=5, partner=partner.od, partner_seats=1)
    publish(world, staff, plan)
    services.partner_nominate(actor=partner.pete, line=line, cadres=[partner.cadre])
    again = refusal(
        lambda: services.partner_nominate(actor=partner.pete, line=line, cadres=[partner.cadre])
    )
    assert again == [gettext("Already nominated: %(names)s") % {"names": partner.cadre.name}]
    over = refusal(
        lambda: services.partner_nominate(actor=partner.pete, line=line, cadres=[partner.cadre2])
    )
    assert over == [
        gettext("%(count)d nominated but %(seats)d seats are offered to the partner.")
        % {"count": 2, "seats": 1}
    ]


def test_the_consultation_asks_for_a_consultation_opinion(client, world):
    start, _end = dates(60)
    plan = plan_in_flow(world, start.year)
    quota_line(world, plan)
    deadline = timezone.now() + dt.timedelta(days=3)
    complete_task(
        open_task(process_of(plan, "PlanFlow"), "draft"),
        world.bob,
        lambda: services.plan_submit(actor=world.bob, plan=plan, deadline=deadline),
    )
    task = open_task(process_of(plan.consultations.get(unit=world.a)), "answer")
    client.force_login(world.alice)
    assert client.post(task_url(task, "assign")).status_code == 302
    response = client.get(task_url(task, "execute"))
    label = response.context["form"].fields["decision"].label
    assert label == gettext("Consultation opinion") and label != gettext("Decision")
    assert str(label) in response.content.decode()
