"""A roll call's announcement: each liaison gets ONE message for the roll call naming the
cadres of every unit they serve, with the roll call's numbered 调训通知 attached (附件1
lists all the roll call's cadres); trainees with an account get their own message; the
notice is linked from the roll call's page and from the unit's inbox."""

import datetime as dt

import pypdf
import pytest
from django.utils import timezone

from dispatch import services
from dispatch.flows import RollCallFlow
from dispatch.models import Dispatch, RollCall
from notifications import outbox
from notifications.models import Notification
from tests.factories import cadre, user
from workflow.runtime import start_process_as

pytestmark = pytest.mark.klass(name="全市专题班", quota=50)


@pytest.fixture
def forty(world, staff, klass, client, django_capture_on_commit_callbacks):
    """Bob names 40 cadres: Wang (Dave's account) and 35 more of unit A, 3 of its
    sub-unit A1, and Zhang of the county's unit B (no account). Lily is A's liaison (she
    reaches A1 too), Leo A1's only, Luke B's."""
    staff.leo = user("leo", "unit_liaison", world.a1)
    people = [world.cadre_a, world.cadre_b]
    people += [cadre(f"甲{i:02d}", world.a, world.city_od) for i in range(35)]
    people += [cadre(f"乙{i}", world.a1, world.city_od) for i in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        start_process_as(
            RollCallFlow.start,
            world.bob,
            lambda: services.roll_call_issue(
                actor=world.bob,
                training_class=klass,
                mode="named",
                response_deadline=timezone.now() + dt.timedelta(days=10),
                cadres=people,
            ),
        )
    return RollCall.objects.get()


def announcements(username):
    return Notification.objects.filter(
        event="dispatched", recipient__username=username, key__contains=":announced:"
    )


def test_a_liaison_of_forty_named_cadres_gets_one_message_naming_each_units_cadres(
    world, staff, forty
):
    [lily] = announcements("lily")
    [leo] = announcements("leo")
    [luke] = announcements("luke")
    assert Dispatch.objects.filter(roll_call=forty).count() == 40
    # Lily serves A and A1: one message, both units' lists, 39 cadres.
    assert [(u["unit_name"], u["count"]) for u in lily.context["units"]] == [
        ("某市发展和改革委员会", 36),
        ("综合科", 3),
    ]
    assert lily.context["cadre_count"] == 39 and "39人" in lily.title
    assert "王堃" in lily.body and "甲34" in lily.body and "乙2" in lily.body
    assert "张喆" not in lily.body
    # Leo only A1's three; Luke only Zhang.
    assert [u["unit_name"] for u in leo.context["units"]] == ["综合科"]
    assert "乙0" in leo.body and "甲00" not in leo.body and "王堃" not in leo.body
    assert [u["cadres"] for u in luke.context["units"]] == ["张喆"]
    # Every message of the roll call: one per liaison, and Dave's own.
    counts = {}
    for n in Notification.objects.filter(event="dispatched"):
        counts[n.recipient.username] = counts.get(n.recipient.username, 0) + 1
    assert counts == {"lily": 1, "leo": 1, "luke": 1, "dave": 1}
    dave = Notification.objects.get(event="dispatched", recipient=world.dave)
    assert dave.document is None and "调训通知" not in dave.title


def test_the_announcement_carries_the_numbered_notice_listing_all_the_cadres(world, staff, forty):
    [lily] = announcements("lily")
    notice = lily.document
    assert notice is not None and notice.kind == "dispatch_notice"
    assert notice.subject == forty
    assert {n.document_id for n in Notification.objects.filter(key=lily.key)} == {notice.pk}
    with notice.file.open("rb") as stored:
        text = "".join(page.extract_text() for page in pypdf.PdfReader(stored).pages)
    assert "附件1" in text and notice.document_number in text
    for name in ("王堃", "张喆", "甲00", "甲34", "乙2"):
        assert name in text, name
    # The liaison's e-mail carries the PDF.
    raw = outbox.email_message(lily, "lily@example.org").message().as_bytes()
    assert b"application/pdf" in raw and len(raw) > notice.size


def test_the_notice_is_linked_from_the_roll_call_page_and_the_units_inbox(
    world, staff, forty, client
):
    [lily] = announcements("lily")
    download = f"/documents/{lily.document_id}/"
    client.force_login(world.bob)
    page = client.get(f"/rollcalls/{forty.pk}/").content.decode()
    assert download in page and lily.document.document_number in page
    client.force_login(staff.lily)
    inbox = client.get("/inbox/").content.decode()
    assert "调训通知 " + lily.document.document_number in inbox
    assert inbox.count(f"/inbox/{lily.pk}/") >= 1
    response = client.get(f"/inbox/{lily.pk}/document/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    client.force_login(world.nobody)
    assert client.get(download).status_code == 404


def test_the_announcement_is_sent_once_however_often_it_is_retried(world, staff, forty):
    from dispatch import documents

    ids = list(forty.dispatches.values_list("pk", flat=True))
    before = Notification.objects.count()
    assert documents.announce(forty.pk, ids) is None
    assert Notification.objects.count() == before
