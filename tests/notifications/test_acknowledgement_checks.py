"""A notice whose subject no longer awaits 签收 (a domain app's registered check says so,
and why) is neither offered nor accepted: `acknowledge` refuses with the reason and writes
nothing; the inbox and the notice's page show the reason instead of the button. Notices
no check names are acknowledged as before."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from notifications import acknowledgement, services, signals
from notifications.models import Event

pytestmark = pytest.mark.django_db

REASON = "调训已取消，无需签收。"


@pytest.fixture
def wang(db):
    return get_user_model().objects.create_user(username="wang", email="wang@example.org")


class Closed:
    """A registered check naming the notices whose key is in `keys`; `locked` records
    whether it was asked to lock the subjects."""

    def __init__(self):
        self.keys: set[str] = set()
        self.locked: list[bool] = []

    def __call__(self, notifications, *, lock=False):
        self.locked.append(lock)
        return {n.pk: REASON for n in notifications if n.key in self.keys}


@pytest.fixture
def closed(monkeypatch):
    check = Closed()
    monkeypatch.setattr(acknowledgement, "_checks", [])
    acknowledgement.register_acknowledgement_check(check)
    return check


def notice(user, key):
    [row] = services.notify(
        event=Event.NOTICE_ISSUED,
        recipients=[user],
        key=key,
        context={"notice_title": "入学通知"},
        requires_ack=True,
        group="rollcall:7",
    )
    return row


def test_a_notice_whose_subject_is_closed_is_refused_and_nothing_is_written(wang, closed):
    row = notice(wang, "document:1:issued")
    closed.keys.add(row.key)
    received = []

    def receiver(**kwargs):
        received.append(kwargs)

    signals.acknowledged.connect(receiver, weak=False)
    try:
        with pytest.raises(ValidationError) as refused:
            services.acknowledge(user=wang, notification=row, ip="10.0.0.8")
    finally:
        signals.acknowledged.disconnect(receiver)
    assert refused.value.messages == [REASON]
    assert closed.locked == [True]  # the subject's row is locked while deciding
    row.refresh_from_db()
    assert row.acknowledged_at is None and row.acknowledged_ip is None and row.read_at is None
    assert not received
    assert not AuditEvent.objects.filter(verb="notification.acknowledge").exists()


def test_the_inbox_and_the_notice_say_why_instead_of_offering_acknowledgement(wang, closed, client):
    gone = notice(wang, "document:1:issued")
    awaited = notice(wang, "document:2:issued")
    closed.keys.add(gone.key)
    client.force_login(wang)
    inbox = client.get("/inbox/").content.decode()
    assert f"/inbox/{gone.pk}/acknowledge/" not in inbox and REASON in inbox
    assert f"/inbox/{awaited.pk}/acknowledge/" in inbox
    page = client.get(f"/inbox/{gone.pk}/").content.decode()
    assert f"/inbox/{gone.pk}/acknowledge/" not in page and REASON in page

    response = client.post(f"/inbox/{gone.pk}/acknowledge/", follow=True)
    assert REASON in response.content.decode()
    gone.refresh_from_db()
    assert gone.acknowledged_at is None


def test_a_notice_no_check_names_is_acknowledged_and_an_acknowledged_one_stays_so(wang, closed):
    row = notice(wang, "document:3:issued")
    services.acknowledge(user=wang, notification=row, ip="10.0.0.8")
    row.refresh_from_db()
    assert row.acknowledged_at is not None
    # Closed afterwards: the receipt already given stands, and asking again is idempotent.
    closed.keys.add(row.key)
    again = services.acknowledge(user=wang, notification=row)
    assert again.acknowledged_at == row.acknowledged_at
    assert AuditEvent.objects.filter(verb="notification.acknowledge").count() == 1
