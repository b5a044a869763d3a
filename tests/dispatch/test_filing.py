"""Filing (报备): returned for correction, then accepted with hours credited."""

from audit.models import AuditEvent
from dispatch.models import Filing, FilingStatus
from ledger.models import HourKind, HourRecord
from tests.flowtools import Staff, act, filing_data, open_task, process_of


def test_a_filing_returned_then_accepted(world, client):
    staff = Staff(world)
    client.force_login(staff.lily)
    response = client.post("/workflow/filing/start/", filing_data(world))
    assert response.status_code == 302, response.content.decode()[-2000:]
    filing = Filing.objects.get()
    process = process_of(filing, "FilingFlow")

    client.force_login(world.bob)
    act(client, open_task(process, "review"), {"decision": "returned", "reason": "请附培训日程"})
    filing.refresh_from_db()
    assert filing.status == FilingStatus.RETURNED

    client.force_login(staff.lily)
    response = act(
        client,
        open_task(process, "correct"),
        filing_data(world, title="发改系统业务能力提升培训（附日程）"),
    )
    assert response.status_code == 302
    filing.refresh_from_db()
    assert filing.status == FilingStatus.SUBMITTED

    client.force_login(world.bob)
    act(client, open_task(process, "review"), {"decision": "accepted"})
    filing.refresh_from_db()
    assert filing.status == FilingStatus.ACCEPTED
    assert HourRecord.objects.filter(source="filing").count() == 2
    assert HourRecord.objects.get(cadre=world.cadre_a).hours == 24
    # Credited as concentrated training (注1 of the indicators table).
    assert set(HourRecord.objects.values_list("kind", flat=True)) == {HourKind.CONCENTRATED}
    process.refresh_from_db()
    assert process.status == "DONE"

    # Every step is in the audit trail, in order, with the reviewer's reason.
    steps = AuditEvent.objects.filter(target_id=str(filing.pk), verb__startswith="filing.")
    assert list(steps.order_by("pk").values_list("verb", "actor__username")) == [
        ("filing.submit", "lily"),
        ("filing.returned", "bob"),
        ("filing.correct", "lily"),
        ("filing.accepted", "bob"),
    ]
    assert steps.get(verb="filing.returned").note == "请附培训日程"
    assert AuditEvent.objects.filter(verb="hours.credit", actor=world.bob).count() == 2


def test_a_filing_with_impossible_hours_is_refused(world, client):
    staff = Staff(world)
    client.force_login(staff.lily)
    response = client.post("/workflow/filing/start/", filing_data(world, hours="100"))
    assert response.status_code == 200
    assert not Filing.objects.exists()


def test_a_liaison_cannot_file_for_another_unit(world, client):
    staff = Staff(world)
    client.force_login(staff.lily)
    response = client.post(
        "/workflow/filing/start/",
        filing_data(world, unit=world.b.pk, participants=[world.cadre_b.pk]),
    )
    assert response.status_code == 200
    assert not Filing.objects.exists()


def test_a_rejected_filing_credits_nothing(world, client):
    staff = Staff(world)
    client.force_login(staff.lily)
    client.post("/workflow/filing/start/", filing_data(world))
    process = process_of(Filing.objects.get(), "FilingFlow")
    client.force_login(world.bob)
    act(client, open_task(process, "review"), {"decision": "rejected", "reason": "非组织调训范围"})
    assert Filing.objects.get().status == FilingStatus.REJECTED
    assert not HourRecord.objects.exists()
    assert AuditEvent.objects.get(verb="filing.rejected").note == "非组织调训范围"
    assert not AuditEvent.objects.filter(verb="hours.credit").exists()


def test_outsiders_are_refused_at_the_filing_review(world, client):
    from tests.flowtools import task_url

    staff = Staff(world)
    client.force_login(staff.lily)
    client.post("/workflow/filing/start/", filing_data(world))
    process = process_of(Filing.objects.get(), "FilingFlow")
    task = open_task(process, "review")
    for outsider in (world.carol, world.alice, staff.lily, staff.luke, world.nobody):
        client.force_login(outsider)
        assert client.post(task_url(task, "assign")).status_code == 403
        if outsider in (
            world.carol,
            staff.luke,
            world.nobody,
        ):  # outside unit A: cannot even read it
            assert client.get(f"/workflow/filing/{process.pk}/").status_code in (403, 404)
    assert Filing.objects.get().status == FilingStatus.SUBMITTED
