"""Failed deliveries are visible in the admin, with their error, and can be sent again."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend

from notifications import services
from notifications.models import DeliveryStatus, Event

pytestmark = pytest.mark.django_db

User = get_user_model()

ERROR = "554 5.7.1 mailbox of wang unavailable"


class RefusingBackend(BaseEmailBackend):
    """An SMTP server that accepts the connection and refuses every message."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError(ERROR)


def notify(user, key):
    return services.notify(
        event=Event.REMINDER,
        recipients=[user],
        key=key,
        context={"subject": "签收全市专题班调训通知", "days_left": 1},
    )


@pytest.fixture
def deliveries(settings, django_capture_on_commit_callbacks):
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 1
    wang = User.objects.create_user("wang", email="wang@example.org")
    li = User.objects.create_user("li", email="li@example.org")
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    with django_capture_on_commit_callbacks(execute=True):
        [failed] = notify(wang, "dispatch:1:acknowledge:reminder-1d")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        [sent] = notify(li, "dispatch:2:acknowledge:reminder-1d")
    failed, sent = failed.deliveries.get(), sent.deliveries.get()
    assert failed.status == DeliveryStatus.FAILED and sent.status == DeliveryStatus.SENT
    mail.outbox.clear()
    return failed, sent


def test_a_superuser_sees_failed_deliveries_with_their_error_and_sends_them_again(
    client, deliveries
):
    failed, _sent = deliveries
    User.objects.create_superuser("root", "root@example.org", "pw")
    client.login(username="root", password="pw")
    changelist = "/admin/notifications/delivery/?status__exact=failed"
    page = client.get(changelist)
    assert page.status_code == 200
    text = page.content.decode()
    assert ERROR in text and "wang@example.org" in text
    assert "li@example.org" not in text  # the filter shows the failed rows only
    assert [d.pk for d in page.context["cl"].result_list] == [failed.pk]

    response = client.post(
        changelist,
        {"action": "retry_now", "_selected_action": [failed.pk], "index": 0},
        follow=True,
    )
    assert response.status_code == 200
    failed.refresh_from_db()
    assert failed.status == DeliveryStatus.SENT and failed.last_error == ""
    assert [m.to for m in mail.outbox] == [["wang@example.org"]]
    assert "已发送：1" in response.content.decode()  # the outcome, in Chinese
    # Who sent it again, and what it was before, is in the audit trail.
    from audit.models import AuditEvent

    event = AuditEvent.objects.get(verb="delivery.retry")
    assert event.actor.username == "root" and event.target_id == str(failed.pk)
    assert event.after["status_before"] == DeliveryStatus.FAILED
    # Nothing failed is left to list.
    assert list(client.get(changelist).context["cl"].result_list) == []


def test_only_superusers_see_the_deliveries(client, deliveries):
    staff = User.objects.create_user("clerk", password="pw", is_staff=True)
    client.force_login(staff)
    assert client.get("/admin/notifications/delivery/").status_code == 403
