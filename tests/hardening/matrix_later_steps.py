"""The permission matrix's samples of the later human steps of the common flows (their
routes and expectations are route_matrix's): a task waits at each step that the common
world (probing.build_world) leaves behind it.

Built by `build`, each in a process of its own started after the common world's, so the
samples the world takes — the first task of each node on a side — stay the ones it
describes:

* nominations (quota roll calls of the city's department allotting unit A): one
  nominated by Lily, waiting for its head (Alice); one approved by her, waiting for the
  city's dispatchers (Bob);
* approvals: the leave of a new cadre of unit A approved by Alice, waiting for the city's
  organization department head (Oscar); the leave of cadre B (unit B, managed by the
  county, co-managed by the city) approved by B's head, waiting for both departments'
  heads in parallel — the county's (not one of the roles) and Oscar;
* a filing of unit A returned by Bob, waiting for Lily's correction;
* an hour recognition of a cadre of unit A sent back by Alice, waiting for Lily's
  correction;
* a circular of the city drafted by Bob, waiting for Oscar's approval."""

import datetime as dt

from django.utils import timezone

from tests.hardening.route_matrix import (
    CITY,
    CITY_DISPATCHER,
    COUNTY,
    HEAD,
    LIAISON,
    NEW,
    ORG_HEAD,
    SampleTask,
)

OBJECTS: dict[str, str] = {}
PAGES: dict = {}

SAMPLE_TASKS = {
    ("nomination", "head_approval", CITY): SampleTask(NEW, frozenset({HEAD})),
    ("nomination", "dispatcher_review", CITY): SampleTask(NEW, frozenset({CITY_DISPATCHER})),
    ("approval", "managing_review", CITY): SampleTask(NEW, frozenset({ORG_HEAD})),
    # approve_as_org_department does not flow down: the county's own head decides here.
    ("approval", "managing_review", COUNTY): SampleTask(NEW),
    ("approval", "co_managing_review", COUNTY): SampleTask(NEW, frozenset({ORG_HEAD})),
    ("filing", "correct", CITY): SampleTask(NEW, frozenset({LIAISON})),
    ("recognition", "correct", CITY): SampleTask(NEW, frozenset({LIAISON})),
    ("circular", "approval", CITY): SampleTask(NEW, frozenset({ORG_HEAD})),
}


def build(world, client, staff, users):
    from approvals.models import ApprovalRequest
    from circulars.models import Circular
    from dispatch.models import Filing, QuotaAllocation
    from tests.factories import cadre, training_class
    from tests.flowtools import (
        act,
        circular_start,
        deadline,
        decide,
        filing_data,
        named,
        open_task,
        process_of,
        recognition_post,
        request,
    )

    today = timezone.localdate()

    def nominated(days, person):
        """A quota roll call of a city class allotting unit A one seat; Lily nominates."""
        klass = training_class(world.city_od, world.school, today + dt.timedelta(days=days))
        client.force_login(world.bob)
        response = client.post(
            "/workflow/rollcall/start/",
            {
                "training_class": klass.pk,
                "mode": "quota",
                "response_deadline": deadline(),
                "allocations": f"{world.a.code} 1",
            },
        )
        assert response.status_code == 302, response.content.decode()[-2000:]
        process = process_of(QuotaAllocation.objects.get(roll_call__training_class=klass))
        client.force_login(staff.lily)
        assert (
            act(client, open_task(process, "nominate"), {"cadres": [person.pk]}).status_code == 302
        )
        return process

    nominated(110, cadre("郑敏", world.a, world.city_od))
    reviewed = nominated(120, cadre("冯敏", world.a, world.city_od, male=False))
    client.force_login(world.alice)
    response = act(client, open_task(reviewed, "head_approval"), {"decision": "approve"})
    assert response.status_code == 302

    def asked(person, head):
        """`person` named for a city class; their unit's liaison asks leave; `head`
        approves it: the approval process."""
        klass = training_class(world.city_od, world.school, today + dt.timedelta(days=130))
        dispatch, process = named(client, world, klass, person)
        liaison = staff.lily if person.unit_id == world.a.pk else staff.luke
        assert request(client, liaison, process, "leave").status_code == 302
        approval = process_of(ApprovalRequest.objects.get(subject_id=dispatch.pk), "ApprovalFlow")
        assert decide(client, head, approval, "head_review", "approved").status_code == 302
        return approval

    asked(cadre("陈敏", world.a, world.city_od), world.alice)
    asked(world.cadre_b, world.charlie)

    client.force_login(staff.lily)
    start = today - dt.timedelta(days=40)
    data = filing_data(world, start_date=start, end_date=start + dt.timedelta(days=2))
    assert client.post("/workflow/filing/start/", data).status_code == 302
    filing = process_of(Filing.objects.latest("pk"), "FilingFlow")
    client.force_login(world.bob)
    response = act(
        client, open_task(filing, "review"), {"decision": "returned", "reason": "请附培训日程"}
    )
    assert response.status_code == 302

    # An hour recognition the head sent back: the liaison's correction task.
    client.force_login(staff.lily)
    asked_on = (today - dt.timedelta(days=75)).isoformat()
    person = cadre("魏敏", world.a, world.city_od)
    assert recognition_post(client, person, date=asked_on).status_code == 302
    recognition = ApprovalRequest.objects.latest("pk")
    approval = process_of(recognition, "ApprovalFlow")
    response = decide(client, world.alice, approval, "head_review", "sent_back", "请附证明")
    assert response.status_code == 302

    period = (today - dt.timedelta(days=90), today - dt.timedelta(days=60))
    response = circular_start(client, world, *period)
    assert response.status_code == 302, response.content.decode()[-2000:]
    circular = process_of(Circular.objects.latest("pk"), "CircularFlow")
    response = act(client, open_task(circular, "draft"), {"title": "调训情况通报", "body": ""})
    assert response.status_code == 302, response.content.decode()[-2000:]
    return {}
