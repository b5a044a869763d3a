"""Makeup training (补训) owed after an absence, through HTTP as the real roles: scheduled
into a class that ends by the due date, escalated when overdue (into the next
circular), named in words on its page, cancelled with the roll call it is owed under."""

import datetime as dt

import pdfplumber
import pytest
import time_machine
from django.core.management import call_command
from django.test import TestCase
from django.utils import timezone

from circulars.models import Circular
from dispatch.models import (
    Dispatch,
    DispatchStatus,
    Makeup,
    MakeupReason,
    MakeupStatus,
    TrainingClass,
)
from ledger.models import HourRecord
from tests.factories import cadre, training_class
from tests.flowtools import (
    act,
    at_attendance,
    circular_start,
    open_task,
    process_of,
    run_to_absence,
    task_url,
)


def test_an_absence_is_made_up_in_a_later_class(world, staff, client):
    missed = training_class(world.city_od, world.school, dt.date.today() + dt.timedelta(days=20))
    later = training_class(
        world.city_od, world.school, dt.date.today() + dt.timedelta(days=60), name="补训班次"
    )
    dispatch = run_to_absence(client, world, staff, missed, world.cadre_a)
    makeup = Makeup.objects.get(source=dispatch)
    makeup_process = process_of(makeup, "MakeupFlow")

    client.force_login(world.bob)
    schedule = open_task(makeup_process, "schedule")
    client.post(task_url(schedule, "assign"))
    assert later.name in client.get(task_url(schedule, "execute")).content.decode()  # suggested
    response = act(client, schedule, {"training_class": later.pk})
    assert response.status_code == 302
    makeup.refresh_from_db()
    assert makeup.status == MakeupStatus.SCHEDULED
    makeup_dispatch = Dispatch.objects.get(makes_up=makeup)
    assert makeup_dispatch.kind == "makeup"

    # The makeup dispatch runs its own course; attended closes the makeup.
    process = process_of(makeup_dispatch, "DispatchFlow")
    client.force_login(staff.lily)
    act(client, open_task(process, "confirm"), {"action": "confirm"})
    client.force_login(world.dave)
    act(client, open_task(process, "acknowledge"), {"confirm": "on"})
    today = timezone.localdate()
    TrainingClass.objects.filter(pk=later.pk).update(
        start_date=today, end_date=today, report_date=today
    )
    client.force_login(world.rita)
    act(client, open_task(process, "record_attendance"), {"result": "present"})
    makeup.refresh_from_db()
    assert makeup.status == MakeupStatus.ATTENDED
    makeup_process.refresh_from_db()
    assert makeup_process.status == "DONE"
    assert Makeup.objects.count() == 1  # the makeup dispatch owes nothing of its own
    assert HourRecord.objects.filter(cadre=world.cadre_a).count() == 1


def test_an_unscheduled_makeup_past_due_escalates(world, staff, client):
    missed = training_class(world.city_od, world.school, dt.date.today() + dt.timedelta(days=20))
    dispatch = run_to_absence(client, world, staff, missed, world.cadre_a)
    makeup = Makeup.objects.get(source=dispatch)
    with time_machine.travel(
        timezone.make_aware(dt.datetime.combine(makeup.due_date, dt.time(23, 59)))
        + dt.timedelta(hours=2),
        tick=False,
    ):
        call_command("workflow_timers")
    makeup.refresh_from_db()
    assert makeup.escalated
    assert makeup.status == MakeupStatus.OWED


def schedule_makeup(client, world, makeup, klass):
    client.force_login(world.bob)
    task = open_task(process_of(makeup, "MakeupFlow"), "schedule")
    return act(client, task, {"training_class": klass.pk})


def after_due(makeup, days=1):
    moment = timezone.make_aware(dt.datetime.combine(makeup.due_date, dt.time(23, 59)))
    return time_machine.travel(moment + dt.timedelta(days=days, hours=-23), tick=False)


def test_a_scheduled_makeup_not_attended_by_its_due_date_escalates_into_the_next_circular(
    world, staff, client
):
    from notifications.models import IssuedDocument, Notification

    missed = training_class(world.city_od, world.school, dt.date.today() + dt.timedelta(days=20))
    dispatch = run_to_absence(client, world, staff, missed, world.cadre_a)
    makeup = Makeup.objects.get(source=dispatch)
    later = training_class(
        world.city_od, world.school, dt.date.today() + dt.timedelta(days=60), name="补训班次"
    )
    assert schedule_makeup(client, world, makeup, later).status_code == 302
    makeup.refresh_from_db()
    assert makeup.status == MakeupStatus.SCHEDULED

    call_command("workflow_timers")  # before the due date: nothing happens
    makeup.refresh_from_db()
    assert not makeup.escalated

    with after_due(makeup):
        call_command("workflow_timers")
        makeup.refresh_from_db()
        assert makeup.escalated and makeup.status == MakeupStatus.SCHEDULED
        told = set(
            Notification.objects.filter(
                key__startswith=f"makeup:{makeup.pk}:escalated"
            ).values_list("recipient__username", flat=True)
        )
        assert {"bob", "alice", "lily"} <= told  # the dispatcher, the unit's head and liaison
        assert not told & {"carol", "charlie", "luke"}
        call_command("workflow_timers")  # once only
        assert Notification.objects.filter(
            key__startswith=f"makeup:{makeup.pk}:escalated"
        ).count() == len(told)

        # The next circular counts it as overdue and names it.
        today = timezone.localdate()
        response = circular_start(client, world, today.replace(day=1), today)
        assert response.status_code == 302
        circular = Circular.objects.get()
        by_unit = {row["unit"]: row for row in circular.figures["units"]}
        assert by_unit["某市发展和改革委员会"]["makeup_overdue"] == 1
        assert [(m["name"], m["status"]) for m in circular.figures["overdue_makeups"]] == [
            ("王堃", "scheduled")
        ]
        process = process_of(circular, "CircularFlow")
        act(client, open_task(process, "draft"), {"title": circular.title, "body": ""})
        client.force_login(staff.oscar)
        with TestCase.captureOnCommitCallbacks(execute=True):  # the PDF renders in a task
            act(client, open_task(process, "approval"), {"decision": "approve"})
        circular.refresh_from_db()
        document = IssuedDocument.objects.get(pk=circular.document_id)
        with document.file.open("rb") as handle, pdfplumber.open(handle) as pdf:
            rows = [
                [(c or "").replace("\n", "") for c in row]
                for page in pdf.pages
                for table in page.extract_tables()
                for row in table
            ]
        assert ["1", "王堃", "某市发展和改革委员会", missed.name] == rows[-1][:4]


def test_the_daily_sweep_escalates_an_overdue_makeup_whose_flow_has_no_timer(world, staff):
    from notifications.models import Notification

    missed = training_class(world.city_od, world.school, dt.date(2025, 3, 3))
    source = Dispatch.objects.create(
        training_class=missed,
        cadre=world.cadre_a,
        unit=world.a,
        status=DispatchStatus.ABSENT,
        confirm_due=timezone.now(),
    )
    makeup = Makeup.objects.create(
        cadre=world.cadre_a,
        source=source,
        reason="absence",
        due_date=timezone.localdate() - dt.timedelta(days=1),
        status=MakeupStatus.SCHEDULED,
    )
    call_command("escalate_makeups", verbosity=0)
    call_command("escalate_makeups", verbosity=0)
    makeup.refresh_from_db()
    assert makeup.escalated
    assert Notification.objects.filter(key=f"makeup:{makeup.pk}:escalated").count() == 1


def test_a_makeup_is_scheduled_into_a_class_that_ends_by_its_due_date(world, staff, client):
    """Present is recorded once a class has ended: a class still running on the due date
    would leave the makeup overdue while the cadre sits in it."""
    from dispatch.services import makeup_class_suggestions

    missed = training_class(world.city_od, world.school, dt.date.today() + dt.timedelta(days=20))
    dispatch = run_to_absence(client, world, staff, missed, world.cadre_a)
    makeup = Makeup.objects.get(source=dispatch)
    too_late = training_class(
        world.city_od, world.school, makeup.due_date + dt.timedelta(days=30), name="期限后班次"
    )
    straddling = training_class(
        world.city_od, world.school, makeup.due_date - dt.timedelta(days=2), name="跨期限班次"
    )
    assert straddling.end_date > makeup.due_date >= straddling.start_date
    assert straddling not in makeup_class_suggestions(makeup, user=world.bob)
    for klass in (straddling, too_late):
        response = schedule_makeup(client, world, makeup, klass)
        assert response.status_code == 200
        assert "结业，晚于补训期限" in response.content.decode()
    makeup.refresh_from_db()
    assert makeup.status == MakeupStatus.OWED and not Dispatch.objects.filter(makes_up=makeup)

    # Once overdue no class can start in time: the earliest later class is accepted.
    with after_due(makeup):
        call_command("workflow_timers")
        assert schedule_makeup(client, world, makeup, too_late).status_code == 302
    makeup.refresh_from_db()
    assert makeup.status == MakeupStatus.SCHEDULED and makeup.escalated


def test_makeup_suggestions_keep_to_the_due_date_the_jurisdiction_and_free_seats(
    world, staff, client
):
    from dispatch.services import makeup_class_suggestions
    from org.models import OrgDepartment, UnitKind
    from tests.factories import cadre, unit

    missed = training_class(world.city_od, world.school, dt.date.today() + dt.timedelta(days=20))
    dispatch = run_to_absence(client, world, staff, missed, world.cadre_a)
    makeup = Makeup.objects.get(source=dispatch)
    soon = dt.date.today() + dt.timedelta(days=40)
    fits = training_class(world.city_od, world.school, soon, name="合适班次")
    county = training_class(world.county_od, world.school, soon, name="县委班次")
    late = training_class(
        world.city_od, world.school, makeup.due_date + dt.timedelta(days=1), name="期限后班次"
    )
    full = training_class(world.city_od, world.school, soon, name="满员班次", quota=1)
    Dispatch.objects.create(
        training_class=full,
        cadre=world.cadre_a1,
        unit=world.a1,
        confirm_due=timezone.now() + dt.timedelta(days=5),
    )
    other_root = unit("中共邻市委", kind=UnitKind.PARTY_ORGAN)
    other_od = OrgDepartment.objects.create(
        unit=unit("中共邻市委组织部", other_root, kind=UnitKind.ORG_DEPARTMENT),
        jurisdiction=other_root,
        issuer_code="邻组通",
    )
    cadre("邻市干部", other_root, other_od)
    foreign = training_class(other_od, world.school, soon, name="邻市班次")

    names = {c.name for c in makeup_class_suggestions(makeup, user=world.bob)}
    assert names == {fits.name, county.name}  # the county is within the city's reach
    assert {c.name for c in makeup_class_suggestions(makeup, user=world.carol)} == {county.name}
    assert late.name not in {c.name for c in makeup_class_suggestions(makeup)}

    client.force_login(world.bob)
    task = open_task(process_of(makeup, "MakeupFlow"), "schedule")
    client.post(task_url(task, "assign"))
    page = client.get(task_url(task, "execute")).content.decode()
    assert fits.name in page and full.name not in page.split("</table>")[0]
    assert foreign.name not in page  # neither suggested nor offered
    response = act(client, task, {"training_class": foreign.pk})
    assert response.status_code == 200
    assert not Dispatch.objects.filter(makes_up=makeup)


def test_makeup_suggestions_put_classes_that_cover_the_missed_hours_first(world, staff, client):
    """A makeup stands for the missed class's hours: of two classes of the same kind, the
    one that holds at least those hours is suggested first even when it starts later, and
    the task page names each class's hours beside the missed class's."""
    from dispatch.services import makeup_class_suggestions

    missed = training_class(world.city_od, world.school, dt.date.today() + dt.timedelta(days=20))
    dispatch = run_to_absence(client, world, staff, missed, world.cadre_a)
    makeup = Makeup.objects.get(source=dispatch)
    soon = dt.date.today() + dt.timedelta(days=40)
    short = training_class(world.city_od, world.school, soon, days=2, name="两天短训班")
    full = training_class(
        world.city_od, world.school, soon + dt.timedelta(days=10), name="五天进修班"
    )
    assert short.credit_hours < missed.credit_hours <= full.credit_hours

    assert makeup_class_suggestions(makeup, user=world.bob)[:2] == [full, short]

    client.force_login(world.bob)
    task = open_task(process_of(makeup, "MakeupFlow"), "schedule")
    client.post(task_url(task, "assign"))
    page = client.get(task_url(task, "execute")).content.decode()
    assert f"{missed.name}（40学时）" in page
    assert page.index(f"{full.name}（") < page.index(f"{short.name}（")
    assert "16学时）" in page


def test_an_outsider_cannot_schedule_a_makeup(world, staff, client):
    missed = training_class(world.city_od, world.school, dt.date.today() + dt.timedelta(days=20))
    dispatch = run_to_absence(client, world, staff, missed, world.cadre_a)
    process = process_of(Makeup.objects.get(source=dispatch), "MakeupFlow")
    task = open_task(process, "schedule")
    # Unit A's liaison sees the makeup but may not schedule it (403); the county's
    # dispatcher and another unit's head do not reach it (404).
    for outsider, refused in ((staff.lily, 403), (world.carol, 404), (world.charlie, 404)):
        client.force_login(outsider)
        assert (
            client.post(f"/workflow/makeup/{process.pk}/schedule/{task.pk}/assign/").status_code
            == refused
        )


@pytest.mark.klass(name="全市专题培训班", credit_hours=40)
def test_a_makeup_page_gives_the_reason_in_words(world, staff, klass, client):
    process = at_attendance(client, world, staff, klass)
    client.force_login(world.rita)
    act(client, open_task(process, "record_attendance"), {"result": "absent"})
    makeup = Makeup.objects.get()
    makeup_process = process_of(makeup, "MakeupFlow")
    client.force_login(world.bob)
    page = client.get(f"/workflow/makeup/{makeup_process.pk}/").content.decode()
    assert str(MakeupReason.ABSENCE.label) in page
    assert ">absence<" not in page
    assert "无故缺训" in page


def test_a_deferred_cadre_makes_up_in_another_class_never_the_one_deferred(world, staff, client):
    """A cadre is dispatched to a class once: the class a deferral was approved for is
    neither suggested for the makeup nor accepted (a clear message, not a database
    error), and naming the cadre for it again is refused the same way."""
    from dispatch.services import makeup_class_suggestions
    from tests.flowtools import approved, post_roll_call

    deferred_from = training_class(
        world.city_od, world.school, dt.date.today() + dt.timedelta(days=20), name="原班次"
    )
    other = training_class(
        world.city_od, world.school, dt.date.today() + dt.timedelta(days=40), name="补训班次"
    )
    dispatch = approved(client, world, staff, deferred_from, world.cadre_a, "deferral")
    makeup = Makeup.objects.get(source=dispatch)
    assert [c.name for c in makeup_class_suggestions(makeup, user=world.bob)] == [other.name]

    response = schedule_makeup(client, world, makeup, deferred_from)
    assert response.status_code == 200
    assert "已调训至本班次" in response.content.decode()
    makeup.refresh_from_db()
    assert makeup.status == MakeupStatus.OWED and not Dispatch.objects.filter(makes_up=makeup)

    client.force_login(world.bob)
    response = post_roll_call(client, deferred_from, [world.cadre_a])
    assert response.status_code == 200
    assert "已调训至本班次" in response.content.decode()
    assert Dispatch.objects.filter(cadre=world.cadre_a).count() == 1


def test_an_exemption_from_the_makeup_class_settles_the_makeup(world, staff, client):
    """免训 excuses the cadre from the training: approved on the makeup dispatch, the
    makeup is owed no more (its flow ends, nothing to schedule again, never escalated,
    not owed in a circular) — where a deferral of the makeup dispatch leaves it owed."""
    from approvals.models import ApprovalRequest
    from circulars.services import owed_makeups
    from dispatch.services import makeup_escalate
    from tests.flowtools import decide, request

    missed = training_class(world.city_od, world.school, dt.date.today() + dt.timedelta(days=20))
    later = training_class(
        world.city_od, world.school, dt.date.today() + dt.timedelta(days=60), name="补训班次"
    )
    makeup = Makeup.objects.get(source=run_to_absence(client, world, staff, missed, world.cadre_a))
    assert schedule_makeup(client, world, makeup, later).status_code == 302
    makeup_dispatch = Dispatch.objects.get(makes_up=makeup)
    request(client, staff.lily, process_of(makeup_dispatch, "DispatchFlow"), "exemption")
    approval = process_of(
        ApprovalRequest.objects.get(subject_id=makeup_dispatch.pk), "ApprovalFlow"
    )
    decide(client, world.alice, approval, "head_review", "approved")
    decide(client, staff.oscar, approval, "managing_review", "approved")

    makeup_dispatch.refresh_from_db()
    makeup.refresh_from_db()
    assert makeup_dispatch.status == DispatchStatus.EXEMPT
    assert makeup.status == MakeupStatus.EXEMPT
    makeup_process = process_of(makeup, "MakeupFlow")
    assert makeup_process.status == "DONE"
    assert not makeup_process.task_set.filter(status__in=["NEW", "ASSIGNED"]).exists()
    assert not owed_makeups([world.a], makeup.due_date).exists()
    with after_due(makeup):
        makeup_escalate(makeup=makeup)
    makeup.refresh_from_db()
    assert not makeup.escalated


def deferred_with_makeup(client, world, staff):
    """Cadre A named for a class in 20 days, the deferral approved: the dispatch, its
    roll call and the makeup owed (its MakeupFlow waiting at 安排补训)."""
    from tests.flowtools import approved

    missed = training_class(world.city_od, world.school, dt.date.today() + dt.timedelta(days=20))
    dispatch = approved(client, world, staff, missed, world.cadre_a, "deferral")
    return dispatch, dispatch.roll_call, Makeup.objects.get(source=dispatch)


def open_processes():
    from viewflow.workflow.models import Process

    return Process.objects.filter(status="NEW")


def open_tasks(process):
    return process.task_set.filter(status__in=["NEW", "ASSIGNED", "SCHEDULED"])


def test_cancelling_the_roll_call_cancels_the_makeup_owed_under_it(world, staff, client):
    """The order a deferral excused the cadre from is withdrawn: nothing is owed under it
    any more — the makeup is cancelled with the reason, its 安排补训 task closed and its
    flow ended, and no circular counts it. The deferral itself stays on record."""
    from audit.models import AuditEvent
    from circulars.services import owed_makeups

    dispatch, roll_call, makeup = deferred_with_makeup(client, world, staff)
    makeup_process = process_of(makeup, "MakeupFlow")
    assert open_task(makeup_process, "schedule")

    reason = "培训计划调整，本期停办"
    client.force_login(world.bob)
    assert "安排补训" in client.get("/tasks/").content.decode()
    assert client.post(f"/rollcalls/{roll_call.pk}/", {"reason": reason}).status_code == 302

    makeup.refresh_from_db()
    dispatch.refresh_from_db()
    assert makeup.status == MakeupStatus.CANCELLED
    assert dispatch.status == DispatchStatus.DEFERRED
    event = AuditEvent.objects.get(verb="makeup.cancel")
    assert (event.actor, event.target_id, event.note) == (world.bob, str(makeup.pk), reason)
    makeup_process.refresh_from_db()
    assert makeup_process.status == "CANCELED"
    assert not open_tasks(makeup_process).exists()
    assert not open_processes().exists()
    assert not owed_makeups([world.a], makeup.due_date).exists()
    assert "安排补训" not in client.get("/tasks/").content.decode()
    # The cadre and the unit's liaison are told, once each, that nothing is owed.
    from notifications.models import Event, Notification

    told = Notification.objects.filter(event=Event.CANCELLED)
    assert sorted(told.values_list("recipient__username", flat=True)) == ["dave", "lily"]
    assert world.cadre_a.name in told.get(recipient=staff.lily).body


def test_a_scheduled_makeup_is_cancelled_with_its_makeup_dispatch(world, staff, client):
    """Scheduled into a later class, the makeup goes with its makeup dispatch there: the
    cadre was sent to it only to make up the class whose order is withdrawn. The seat is
    freed; no process of either is left open."""
    from dispatch.services.rollcall import seats_left

    _dispatch, roll_call, makeup = deferred_with_makeup(client, world, staff)
    later = training_class(
        world.city_od, world.school, dt.date.today() + dt.timedelta(days=40), name="补训班次"
    )
    assert schedule_makeup(client, world, makeup, later).status_code == 302
    makeup_dispatch = Dispatch.objects.get(makes_up=makeup)
    client.force_login(staff.lily)
    act(
        client,
        open_task(process_of(makeup_dispatch, "DispatchFlow"), "confirm"),
        {"action": "confirm"},
    )
    seats = seats_left(later)

    reason = "培训计划调整，本期停办"
    client.force_login(world.bob)
    assert client.post(f"/rollcalls/{roll_call.pk}/", {"reason": reason}).status_code == 302

    makeup.refresh_from_db()
    makeup_dispatch.refresh_from_db()
    assert makeup.status == MakeupStatus.CANCELLED
    assert (makeup_dispatch.status, makeup_dispatch.cancel_reason) == (
        DispatchStatus.CANCELLED,
        reason,
    )
    assert seats_left(later) == seats + 1
    assert process_of(makeup, "MakeupFlow").status == "CANCELED"
    assert process_of(makeup_dispatch, "DispatchFlow").status == "CANCELED"
    assert not open_processes().exists()


def test_the_roll_call_service_cancels_only_the_makeups_owed_under_it(world, staff, client):
    """Through the service: the makeups of the roll call's dispatches not yet settled, not
    another roll call's for the same class, nor one already attended."""
    from audit.models import AuditEvent
    from dispatch.models import RollCall
    from dispatch.services import roll_call_cancel

    dispatch, roll_call, makeup = deferred_with_makeup(client, world, staff)
    klass = dispatch.training_class
    other_call = RollCall.objects.create(
        training_class=klass,
        org_department=world.city_od,
        mode="named",
        response_deadline=roll_call.response_deadline,
        created_by=world.bob,
    )

    def owed(person, unit, call, status=MakeupStatus.OWED, source_status=DispatchStatus.DEFERRED):
        source = Dispatch.objects.create(
            roll_call=call,
            training_class=klass,
            cadre=person,
            unit=unit,
            status=source_status,
            confirm_due=roll_call.response_deadline,
        )
        return Makeup.objects.create(
            cadre=person, source=source, reason="deferral", due_date=makeup.due_date, status=status
        )

    attended = owed(world.cadre_a1, world.a1, roll_call, MakeupStatus.ATTENDED)
    elsewhere = owed(world.cadre_b, world.b, other_call)
    # Owed for an absence: the class was held and the cadre missed it; that stays owed.
    missed = owed(
        cadre("缺训干部", world.a, world.city_od),
        world.a,
        roll_call,
        source_status=DispatchStatus.ABSENT,
    )

    assert roll_call_cancel(actor=world.bob, roll_call=roll_call, reason="本期停办") == []
    statuses = dict(Makeup.objects.values_list("pk", "status"))
    assert statuses == {
        makeup.pk: MakeupStatus.CANCELLED,
        attended.pk: MakeupStatus.ATTENDED,
        elsewhere.pk: MakeupStatus.OWED,
        missed.pk: MakeupStatus.OWED,
    }
    assert list(
        AuditEvent.objects.filter(verb="makeup.cancel").values_list("target_id", flat=True)
    ) == [str(makeup.pk)]
    assert process_of(makeup, "MakeupFlow").status == "CANCELED"
