"""Every notice, label and form says who acts: a liaison acknowledging for a cadre without
an account does so on their behalf (代为签收), never "本人已收到通知"; the trainee's own is
本人; the admission notice is called 入学通知 (not 调训通知) in the inbox and the record."""

import pytest

from dispatch.models import Dispatch
from notifications.models import Notification
from tests.flowtools import act, issue_roll_call, open_task, process_of, task_url

pytestmark = pytest.mark.klass(name="全市专题班")


@pytest.fixture
def notified(world, staff, klass, client, django_capture_on_commit_callbacks):
    """Wang (Dave's account) and Zhang (no account) confirmed: their 入学通知 issued."""
    with django_capture_on_commit_callbacks(execute=True):
        issue_roll_call(client, world, klass, [world.cadre_a, world.cadre_b])
    for liaison, person in ((staff.lily, world.cadre_a), (staff.luke, world.cadre_b)):
        client.force_login(liaison)
        process = process_of(Dispatch.objects.get(cadre=person), "DispatchFlow")
        act(client, open_task(process, "confirm"), {"action": "confirm"})
    return {d.cadre_id: d for d in Dispatch.objects.all()}


def task_page(client, user, dispatch):
    task = open_task(process_of(dispatch, "DispatchFlow"), "acknowledge")
    client.force_login(user)
    client.post(task_url(task, "assign"))
    return client.get(task_url(task, "execute"), follow=True).content.decode()


def test_the_liaison_acknowledges_on_behalf_and_the_trainee_himself(world, staff, notified, client):
    zhang = notified[world.cadre_b.pk]
    page = task_page(client, staff.luke, zhang)
    assert "代为签收" in page and "本人已收到通知" not in page
    wang = notified[world.cadre_a.pk]
    page = task_page(client, world.dave, wang)
    assert "本人已收到通知" in page and "代为签收" not in page


def test_the_inbox_names_the_admission_notice_and_who_acknowledges(world, staff, notified, client):
    luke = Notification.objects.get(event="notice_issued", recipient=staff.luke)
    assert luke.title.startswith("代张喆签收：") and luke.title.count("入学通知") == 1
    client.force_login(staff.luke)
    inbox = client.get("/inbox/").content.decode()
    assert "代为签收</button>" in inbox and "入学通知 " + luke.document.document_number in inbox
    dave = Notification.objects.get(event="notice_issued", recipient=world.dave)
    assert dave.title.startswith("请本人签收：") and dave.title.count("入学通知") == 1
    client.force_login(world.dave)
    inbox = client.get("/inbox/").content.decode()
    assert "调训通知 " + dave.document.document_number not in inbox
    assert "入学通知 " + dave.document.document_number in inbox


def test_the_training_record_labels_the_admission_notice(world, notified, client):
    client.force_login(world.dave)
    page = client.get(f"/cadres/{world.cadre_a.pk}/record/").content.decode()
    dave = Notification.objects.get(event="notice_issued", recipient=world.dave)
    link = f'/documents/{dave.document_id}/"'
    assert link in page
    around = page[page.index(link) : page.index(link) + 80]
    assert "入学通知" in around and "调训通知" not in around
