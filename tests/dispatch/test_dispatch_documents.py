"""The documents a dispatch issues, read back, and who may open them."""

import datetime as dt
import io

import pdfplumber
import pytest
from django.utils import timezone

from dispatch.models import Dispatch
from notifications.models import IssuedDocument
from tests.factories import training_class
from tests.flowtools import Staff, act, deadline, open_task, process_of


@pytest.fixture
def notified(world, client, django_capture_on_commit_callbacks):
    staff = Staff(world)
    klass = training_class(
        world.city_od, world.school, dt.date.today() + dt.timedelta(days=30), name="全市专题班"
    )
    client.force_login(world.bob)
    with django_capture_on_commit_callbacks(execute=True):  # the notice is queued after commit
        client.post(
            "/workflow/rollcall/start/",
            {
                "training_class": klass.pk,
                "mode": "named",
                "response_deadline": deadline(),
                "cadres": [world.cadre_a.pk, world.cadre_b.pk],
            },
        )
    dispatch = Dispatch.objects.get(cadre=world.cadre_a)
    client.force_login(staff.lily)
    act(client, open_task(process_of(dispatch, "DispatchFlow"), "confirm"), {"action": "confirm"})
    dispatch.refresh_from_db()
    return dispatch


def text_of(response) -> str:
    data = b"".join(response.streaming_content)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "".join(page.extract_text() or "" for page in pdf.pages)


def test_the_roll_call_issues_a_dispatch_notice_listing_the_cadres(world, notified, client):
    notice = IssuedDocument.objects.get(kind="dispatch_notice")
    assert notice.document_number.startswith("X组通〔")
    assert notice.issued_by == world.bob  # the dispatcher who issued the roll call
    client.force_login(world.bob)
    text = text_of(client.get(f"/documents/{notice.pk}/"))
    assert "王堃" in text and "张喆" in text and "全市专题班" in text
    assert world.cadre_a.id_number not in text
    assert world.cadre_a.masked_id_number in text
    # The reply deadline the notice prints is the roll call's own (its page and the
    # liaisons' messages give it), not a date reckoned from the class's start.
    due = timezone.localtime(notified.roll_call.response_deadline)
    minutes = f"{due.minute}分" if due.minute else ""
    printed = f"{due.year}年{due.month}月{due.day}日{due.hour}时{minutes}前"
    # Without line breaks, and without the spaces a justified line's wide gaps read as.
    flat = "".join(text.split())
    assert f"请各单位于{printed}将参训回执" in flat
    assert f"请于{printed}报送" in flat


def test_confirmation_issues_a_numbered_admission_notice(world, notified, client):
    admission = IssuedDocument.objects.get(kind="admission_notice")
    assert notified.notice_reference == admission.document_number
    assert admission.issued_by == world.bob
    client.force_login(world.dave)  # the trainee opens their own notice
    text = text_of(client.get(f"/documents/{admission.pk}/"))
    assert "王堃" in text and "入学" in text


def test_outsiders_cannot_open_or_list_documents(world, notified, client):
    admission = IssuedDocument.objects.get(kind="admission_notice")
    notice = IssuedDocument.objects.get(kind="dispatch_notice")
    # Charlie's unit has a cadre on the roll call: he sees that notice, not Wang's admission.
    client.force_login(world.charlie)
    assert client.get(f"/documents/{notice.pk}/").status_code == 200
    assert client.get(f"/documents/{admission.pk}/").status_code == 404
    for outsider in (world.nobody, world.rita):
        client.force_login(outsider)
        assert client.get(f"/documents/{admission.pk}/").status_code == 404
        assert client.get(f"/documents/{notice.pk}/").status_code == 404
        assert admission.document_number not in client.get("/documents/").content.decode()
    client.force_login(world.alice)
    assert admission.document_number in client.get("/documents/").content.decode()
