"""The class roster (/classes/<id>/attendance/): the institution's registrar records
attendance for the whole class at once, through HTTP."""

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from viewflow.workflow.status import STATUS

from audit.models import AuditEvent
from dispatch import services
from dispatch.flows.attendance import class_attendance_record
from dispatch.models import (
    Dispatch,
    DispatchStatus,
    Institution,
    InstitutionKind,
    Makeup,
)
from ledger.models import HourRecord
from notifications.models import Event, Notification
from org.models import UnitKind
from tests.factories import cadre, training_class, unit, user
from tests.flowtools import act, deadline, open_task, process_of, start_class
from workflow.runtime import complete_task

# Minutes as a whole: the xdist workers take it first (tests/conftest.py).
pytestmark = pytest.mark.heavy


@pytest.fixture
def klass(world):
    return training_class(
        world.city_od,
        world.school,
        timezone.localdate() + dt.timedelta(days=30),
        credit_hours=40,
        name="全市专题培训班",
    )


def url(klass):
    return f"/classes/{klass.pk}/attendance/"


def awaiting_attendance(client, world, staff, klass, cadres):
    """Name the cadres for the class (the dispatcher, through HTTP), then confirm and
    acknowledge each dispatch in code, so each waits for the registrar."""
    client.force_login(world.bob)
    response = client.post(
        "/workflow/rollcall/start/",
        {
            "training_class": klass.pk,
            "mode": "named",
            "response_deadline": deadline(10),
            "cadres": [c.pk for c in cadres],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    dispatches = {}
    for dispatch in Dispatch.objects.filter(training_class=klass).select_related("cadre"):
        liaison = staff.lily if dispatch.unit.path.startswith(world.a.path) else staff.luke
        process = process_of(dispatch, "DispatchFlow")
        complete_task(
            open_task(process, "confirm"),
            liaison,
            lambda d=dispatch, who=liaison: services.dispatch_confirm(actor=who, dispatch=d),
        )
        ack = open_task(process, "acknowledge")
        who = ack.owner or liaison
        complete_task(
            ack,
            who,
            lambda d=dispatch, who=who: services.dispatch_acknowledge(actor=who, dispatch=d),
        )
        dispatches[dispatch.cadre] = dispatch
    client.logout()
    return dispatches


def row(dispatch, result="present", hours=None, leave=None):
    data = {"dispatch": str(dispatch.pk), f"d{dispatch.pk}-result": result}
    if hours is not None:
        data[f"d{dispatch.pk}-hours"] = str(hours)
    if leave is not None:
        data[f"d{dispatch.pk}-leave_hours"] = str(leave)
    return data


def form(*rows):
    """Merge rows into one POST body (several `dispatch` values)."""
    data = {"dispatch": []}
    for r in rows:
        r = dict(r)
        data["dispatch"].append(r.pop("dispatch"))
        data.update(r)
    return data


def attendance_task(dispatch):
    return (
        process_of(dispatch, "DispatchFlow")
        .task_set.filter(flow_task__endswith=".record_attendance")
        .get()
    )


def assert_nothing_recorded(dispatches):
    for dispatch in dispatches:
        dispatch.refresh_from_db()
        assert dispatch.status == DispatchStatus.ACKNOWLEDGED
        assert dispatch.attendance == ""
        assert attendance_task(dispatch).status in (STATUS.NEW, STATUS.ASSIGNED)
    assert not HourRecord.objects.exists()
    assert not Makeup.objects.exists()
    assert not AuditEvent.objects.filter(
        verb__in=["dispatch.attend", "dispatch.absent", "dispatch.withdraw", "class.attendance"]
    ).exists()


@pytest.fixture
def four(world, staff, klass, client):
    """Four cadres of the class awaiting attendance, the class under way."""
    zhao = cadre("赵一", world.a, world.city_od)
    cadres = [world.cadre_a, world.cadre_a1, world.cadre_b, zhao]
    dispatches = awaiting_attendance(client, world, staff, klass, cadres)
    start_class(klass, refresh=True)
    return [dispatches[c] for c in cadres]


def test_the_registrar_records_the_whole_class_at_once(world, klass, four, login):
    present, absent, withdrawn, typed = four
    client = login(world.rita)
    page = client.get(url(klass)).content.decode()
    for dispatch in four:
        assert dispatch.cadre.name in page
        assert dispatch.cadre.masked_id_number in page
        assert dispatch.cadre.id_number not in page
        assert f'name="d{dispatch.pk}-hours"' in page
    assert 'value="40.0"' in page  # hours credited default to the class hours
    assert "出勤" in page and "缺训" in page and "培训期间请假学时" in page

    response = client.post(
        url(klass),
        form(
            row(present, leave="4"),  # 36 hours credited
            row(absent, "absent"),
            row(withdrawn, leave="6"),  # over 40/7: withdrawn
            row(typed, hours="38"),  # hours credited typed in: 2 hours of leave
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    for dispatch in four:
        dispatch.refresh_from_db()
    assert present.status == DispatchStatus.ATTENDED and present.hours_credited == 36
    assert typed.status == DispatchStatus.ATTENDED and typed.hours_credited == 38
    assert typed.leave_hours == 2
    assert absent.status == DispatchStatus.ABSENT and absent.flagged_for_circular
    assert withdrawn.status == DispatchStatus.WITHDRAWN and withdrawn.leave_hours == 6

    ledger = {
        name: (h, d)
        for name, h, d in HourRecord.objects.values_list("cadre__name", "hours", "days")
    }
    # Leave shortens the days as it shortens the hours: 36 of 40 hours of 5 days is 4.5.
    assert ledger == {
        present.cadre.name: (Decimal("36"), Decimal("4.5")),
        typed.cadre.name: (Decimal("38"), Decimal("4.8")),
    }
    owed = dict(Makeup.objects.values_list("source_id", "reason"))
    assert owed == {absent.pk: "absence", withdrawn.pk: "withdrawn"}
    for dispatch in four:
        task = attendance_task(dispatch)
        assert task.status == STATUS.DONE and task.owner == world.rita
        assert process_of(dispatch, "DispatchFlow").status == "DONE"
    # The makeups owed start their flows, as from the task page.
    assert process_of(Makeup.objects.get(source=absent), "MakeupFlow").status == "NEW"
    verbs = list(AuditEvent.objects.values_list("verb", flat=True))
    assert verbs.count("dispatch.attend") == 2 and verbs.count("hours.credit") == 2
    assert {"dispatch.absent", "dispatch.withdraw", "class.attendance"} <= set(verbs)

    # The cadre marked present whom the leave withdrew is named in a warning.
    shown = client.get(response.url).content.decode()
    assert re.findall(r"([^>]*)：请假超过班次学时1/7，已记为退学，须补训。", shown) == [
        withdrawn.cadre.name
    ]
    # Recorded rows are shown read-only with their outcome.
    page = client.get(url(klass)).content.decode()
    assert 'name="dispatch"' not in page and "<button" not in page.split("</header>")[-1]
    assert "36.0" in page and "38.0" in page
    assert "已参训" in page and "缺训" in page


def test_a_roster_of_a_large_class_is_read_whole(world, klass, four, login):
    """A roster posts four fields a trainee: one of 300 trainees (1,200 fields, past
    Django's default bound of 1,000) is read, not refused as too many fields. The rows
    the roster does not know are padding here, standing in for the other trainees."""
    client = login(world.rita)
    body = form(*(row(d) for d in four))
    for n in range(400):
        body.update({f"x{n}-result": "present", f"x{n}-hours": "40", f"x{n}-leave_hours": "0"})
    assert sum(len(v) if isinstance(v, list) else 1 for v in body.values()) > 1100
    response = client.post(url(klass), body)
    assert response.status_code == 302, response.content.decode()[:2000]
    for dispatch in four:
        dispatch.refresh_from_db()
        assert dispatch.status == DispatchStatus.ATTENDED


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"hours": "-1"}, "学时不能为负数"),
        ({"hours": "41"}, "40.0"),
        ({"leave": "-2"}, "学时不能为负数"),
        ({"leave": "50"}, "40.0"),
        ({"hours": "abc"}, "数"),
        ({"hours": "30", "leave": "4"}, "之和"),
        ({"hours": "36.25"}, "一位小数"),
    ],
)
def test_one_invalid_row_records_nothing(bad, message, world, klass, four, login):
    client = login(world.rita)
    rows = [row(d) for d in four[:3]] + [row(four[3], **bad)]
    response = client.post(url(klass), form(*rows))
    assert response.status_code == 200
    page = response.content.decode()
    assert "未登记任何考勤" in page
    assert f'data-errors="{four[3].pk}"' in page and message in page
    for good in four[:3]:
        assert f'data-errors="{good.pk}"' not in page
    assert_nothing_recorded(four)
    # The form keeps what was typed.
    assert f'name="d{four[3].pk}-hours"' in page


def test_each_invalid_row_shows_its_own_error(world, klass, four, login):
    client = login(world.rita)
    response = client.post(
        url(klass),
        form(row(four[0], hours="-1"), row(four[1]), row(four[2], leave="99"), row(four[3])),
    )
    page = response.content.decode()
    assert f'data-errors="{four[0].pk}"' in page and f'data-errors="{four[2].pk}"' in page
    assert f'data-errors="{four[1].pk}"' not in page
    assert_nothing_recorded(four)


def test_a_task_completed_meanwhile_by_someone_else_records_nothing(
    world, klass, four, login, client
):
    rita2 = user("rita2", "registrar", world.school_unit, first_name="")
    # Rita opens the roster; meanwhile her colleague records one cadre on the task page.
    assert login(world.rita).get(url(klass)).status_code == 200
    client.force_login(rita2)
    task = open_task(process_of(four[0], "DispatchFlow"), "record_attendance")
    assert act(client, task, {"result": "present", "leave_hours": "0"}).status_code == 302

    client.force_login(world.rita)
    response = client.post(url(klass), form(*(row(d, "absent") for d in four)))
    assert response.status_code == 200
    page = response.content.decode()
    assert "该环节已由他人办理" in page and f'data-errors="{four[0].pk}"' in page
    for dispatch in four[1:]:
        dispatch.refresh_from_db()
        assert dispatch.status == DispatchStatus.ACKNOWLEDGED
    assert not Makeup.objects.exists()
    assert HourRecord.objects.count() == 1  # the colleague's, from the task page
    # Reloaded, the page shows that row recorded and the others still to record.
    page = client.get(url(klass)).content.decode()
    assert f'name="d{four[0].pk}-hours"' not in page
    assert f'name="d{four[1].pk}-hours"' in page


def test_a_task_claimed_by_another_registrar_is_left_to_them(world, klass, four, login, client):
    rita2 = user("rita2", "registrar", world.school_unit, first_name="秦老师")
    claimed = four[1]
    client.force_login(rita2)
    task = open_task(process_of(claimed, "DispatchFlow"), "record_attendance")
    assert client.post(f"/workflow/dispatch/{task.process_id}/record_attendance/{task.pk}/assign/")
    task.refresh_from_db()
    assert task.owner == rita2

    # The roster names the cadre and the colleague, and offers no inputs for that row.
    client.force_login(world.rita)
    page = client.get(url(klass)).content.decode()
    assert f'name="d{claimed.pk}-hours"' not in page
    assert claimed.cadre.name in page and "认领" in page
    others = [d for d in four if d != claimed]
    response = client.post(url(klass), form(*(row(d) for d in others)))
    assert response.status_code == 302
    claimed.refresh_from_db()
    assert claimed.status == DispatchStatus.ACKNOWLEDGED
    task.refresh_from_db()
    assert task.status == STATUS.ASSIGNED and task.owner == rita2
    for dispatch in others:
        dispatch.refresh_from_db()
        assert dispatch.status == DispatchStatus.ATTENDED


def test_a_task_claimed_after_the_page_was_opened_refuses_the_whole_roster(
    world, klass, four, login, client
):
    rita2 = user("rita2", "registrar", world.school_unit, first_name="秦老师")
    page = login(world.rita).get(url(klass)).content.decode()
    assert f'name="d{four[2].pk}-hours"' in page
    client.force_login(rita2)
    task = open_task(process_of(four[2], "DispatchFlow"), "record_attendance")
    client.post(f"/workflow/dispatch/{task.process_id}/record_attendance/{task.pk}/assign/")

    client.force_login(world.rita)
    response = client.post(url(klass), form(*(row(d) for d in four)))
    assert response.status_code == 200
    page = response.content.decode()
    assert f"{four[2].cadre.name}：" in page and "秦老师" in page and "认领" in page
    assert_nothing_recorded(four)


def test_only_the_institutions_registrar_may_use_the_roster(world, staff, klass, four, login):
    other_unit = unit("某市行政学院", world.root, kind=UnitKind.INSTITUTION)
    Institution.objects.create(unit=other_unit, kind=InstitutionKind.PARTY_SCHOOL)
    other_registrar = user("ruth", "registrar", other_unit)
    body = form(*(row(d) for d in four))
    refused = {
        other_registrar: 404,  # another institution: the class is not theirs to see
        world.alice: 404,  # a department head
        world.charlie: 404,
        staff.lily: 404,  # a unit liaison
        world.dave: 404,  # a trainee
        world.nobody: 404,
        world.bob: 403,  # the dispatcher sees the class, but records no attendance
        staff.oscar: 403,  # the city org department head, likewise
    }
    for person, status in refused.items():
        client = login(person)
        assert client.get(url(klass)).status_code == status, person
        assert client.post(url(klass), body).status_code == status, person
        detail = client.get(f"/classes/{klass.pk}/")
        if detail.status_code == 200:
            assert url(klass) not in detail.content.decode()
    assert_nothing_recorded(four)
    client.logout()
    assert client.get(url(klass)).status_code == 302  # to the login page
    # The registrar finds the roster from the class page.
    assert url(klass) in login(world.rita).get(f"/classes/{klass.pk}/").content.decode()


def test_nothing_is_recorded_before_the_class_starts(world, staff, klass, client):
    dispatches = list(
        awaiting_attendance(client, world, staff, klass, [world.cadre_a, world.cadre_a1]).values()
    )
    the_day_before = dt.datetime.combine(
        klass.start_date - dt.timedelta(days=1), dt.time(18), tzinfo=timezone.get_current_timezone()
    )
    with time_machine.travel(the_day_before, tick=False):
        client.force_login(world.rita)
        page = client.get(url(klass)).content.decode()
        assert "班次开班后才能登记考勤" in page
        assert "<button" not in page.split("</header>")[-1]
        response = client.post(url(klass), form(*(row(d) for d in dispatches)))
        assert response.status_code == 200
        assert "班次开班后才能登记考勤" in response.content.decode()
    assert_nothing_recorded(dispatches)


def test_while_the_class_runs_only_absences_and_withdrawals_are_recorded(
    world, staff, klass, client
):
    """A cadre is credited the class hours once the class has ended, never before: the
    hour record is dated its last day. On the first morning the roster leaves every row
    for later by default and refuses present; a no-show is recorded absent."""
    present, no_show, leaving = awaiting_attendance(
        client, world, staff, klass, [world.cadre_a, world.cadre_a1, world.cadre_b]
    ).values()
    first_morning = dt.datetime.combine(
        klass.start_date, dt.time(9), tzinfo=timezone.get_current_timezone()
    )
    with time_machine.travel(first_morning, tick=False):
        client.force_login(world.rita)
        page = client.get(url(klass)).content.decode()
        assert "培训期间只登记缺训和退学" in page and "登记所选缺训和退学</button>" in page
        radios = re.findall(rf'<input type="radio" name="d{present.pk}-result"[^>]*>', page)
        assert [r for r in radios if "checked" in r] == [r for r in radios if '"later"' in r]
        assert [r for r in radios if "disabled" in r] == [r for r in radios if '"present"' in r]
        assert len(radios) == 4  # later, present, absent, withdrawn

        response = client.post(url(klass), form(row(present), row(no_show, "absent")))
        assert response.status_code == 200
        assert "学员须待班次结业" in response.content.decode()
        assert_nothing_recorded([present, no_show, leaving])

        response = client.post(
            url(klass),
            form(
                row(present, "later"), row(no_show, "absent"), row(leaving, "withdrawn", leave=30)
            ),
        )
        assert response.status_code == 302
        nothing = client.post(url(klass), form(row(present, "later")))
        assert "没有可登记的内容" in nothing.content.decode()
    for dispatch, status in [
        (present, DispatchStatus.ACKNOWLEDGED),
        (no_show, DispatchStatus.ABSENT),
        (leaving, DispatchStatus.WITHDRAWN),
    ]:
        dispatch.refresh_from_db()
        assert dispatch.status == status
    assert leaving.leave_hours == 30
    assert not HourRecord.objects.exists()

    last_evening = dt.datetime.combine(
        klass.end_date, dt.time(17), tzinfo=timezone.get_current_timezone()
    )
    with time_machine.travel(last_evening, tick=False):
        client.force_login(world.rita)
        assert client.post(url(klass), form(row(present))).status_code == 302
    present.refresh_from_db()
    assert present.status == DispatchStatus.ATTENDED
    assert HourRecord.objects.get().date == klass.end_date


def test_leave_is_recorded_to_one_decimal_at_every_door(world, staff, klass, client):
    """The roster's rule (one decimal) holds in the service the task page and the API
    reach too: 0.25 hours of leave would be stored as typed and printed rounded."""
    (dispatch,) = awaiting_attendance(client, world, staff, klass, [world.cadre_a]).values()
    start_class(klass, refresh=True)
    with pytest.raises(ValidationError, match="一位小数"):
        services.attendance_record(
            actor=world.rita, dispatch=dispatch, result="present", leave_hours=Decimal("0.25")
        )
    assert_nothing_recorded([dispatch])


def test_the_service_refuses_present_before_the_class_ends(world, staff, klass, client):
    (dispatch,) = awaiting_attendance(client, world, staff, klass, [world.cadre_a]).values()
    start_class(klass, refresh=True, running=True)
    with pytest.raises(ValidationError, match="结业"):
        services.attendance_record(actor=world.rita, dispatch=dispatch, result="present")
    with pytest.raises(ValidationError, match="结业"):
        class_attendance_record(
            actor=world.rita, training_class=klass, rows={dispatch.pk: ("present", 0)}
        )
    assert_nothing_recorded([dispatch])
    # Leave over 1/7 of the class hours withdraws the cadre: that may be recorded now.
    services.attendance_record(
        actor=world.rita, dispatch=dispatch, result="present", leave_hours=klass.credit_hours
    )
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.WITHDRAWN


def _cadres(world, n):
    return [cadre(f"学员{i:02d}", world.a, world.city_od) for i in range(n)]


def _get_queries(client, klass):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url(klass))
    assert response.status_code == 200
    return len(queries)


def test_the_roster_reads_in_a_flat_number_of_queries(
    world, staff, client, django_assert_max_num_queries
):
    counts = {}
    for n in (1, 20):
        klass = training_class(
            world.city_od, world.school, timezone.localdate() + dt.timedelta(days=30)
        )
        cadres = _cadres(world, n)
        dispatches = awaiting_attendance(client, world, staff, klass, cadres)
        if n == 20:  # a claimed task and a recorded row do not add queries either
            rita2 = user("rita2", "registrar", world.school_unit)
            task = open_task(process_of(dispatches[cadres[0]], "DispatchFlow"), "record_attendance")
            task.owner, task.status = rita2, STATUS.ASSIGNED
            task.save()
        start_class(klass, refresh=True)
        client.force_login(world.rita)
        _get_queries(client, klass)  # warm caches (content types, session)
        with django_assert_max_num_queries(8):
            counts[n] = _get_queries(client, klass)
    assert counts[20] <= counts[1] + 1, counts  # +1: the claimant, loaded once


def test_recording_twenty_rows_stays_reasonable(world, staff, klass, client):
    cadres = _cadres(world, 20)
    dispatches = list(awaiting_attendance(client, world, staff, klass, cadres).values())
    start_class(klass, refresh=True)
    client.force_login(world.rita)
    body = form(*(row(d, "absent" if i % 5 == 0 else "present") for i, d in enumerate(dispatches)))
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url(klass), body)
    assert response.status_code == 302
    assert Dispatch.objects.filter(status=DispatchStatus.ATTENDED).count() == 16
    assert Dispatch.objects.filter(status=DispatchStatus.ABSENT).count() == 4
    per_row = len(queries) / 20
    assert per_row < 60, len(queries)


def test_a_task_the_registrar_claimed_herself_is_recorded_from_the_roster(
    world, klass, four, login
):
    client = login(world.rita)
    task = attendance_task(four[0])
    client.post(f"/workflow/dispatch/{task.process_id}/record_attendance/{task.pk}/assign/")
    task.refresh_from_db()
    assert task.owner == world.rita and task.status == STATUS.ASSIGNED
    page = client.get(url(klass)).content.decode()
    assert f'name="d{four[0].pk}-hours"' in page
    response = client.post(url(klass), form(*(row(d) for d in four)))
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == STATUS.DONE
    assert HourRecord.objects.count() == 4


def test_absences_recorded_at_once_reach_each_liaison_in_one_message(
    world, staff, klass, four, login
):
    """One roster, three makeups owed in lily's units: she hears of them once, the three
    named; a trainee with an account hears of their own; unit B's liaison of nothing."""
    a, a1, b, zhao = four
    client = login(world.rita)
    response = client.post(
        url(klass), form(row(a, "absent"), row(a1, "absent"), row(b), row(zhao, leave="6"))
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    owed = Notification.objects.filter(event=Event.MAKEUP_OWED)
    [to_lily] = owed.filter(recipient=staff.lily)
    assert "3名干部" in to_lily.title and klass.name in to_lily.title
    for named_cadre in (a.cadre, a1.cadre, zhao.cadre):
        assert named_cadre.name in to_lily.body
    assert "缺勤" in to_lily.body or "缺训" in to_lily.body
    assert not owed.filter(recipient=staff.luke).exists()
    [own] = owed.filter(recipient=world.dave)  # cadre A's own account
    assert a.cadre.name in own.title and a1.cadre.name not in own.body
    client.force_login(staff.lily)
    assert client.get(to_lily.url).status_code == 200
