"""The inbox: each user sees and acts on their own notifications only; acknowledging
(签收) records time and IP once, is audited, signalled and reported per group."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import NoReverseMatch, include, path, reverse

from audit.models import AuditEvent
from config import urls as project_urls
from notifications import selectors, services, signals
from notifications.models import ContactProfile, Event, Notification

# The project includes the inbox at "inbox/" (config/urls.py); until it does, so do we.
urlpatterns = list(project_urls.urlpatterns)
try:
    reverse("notifications:inbox", urlconf=project_urls)
except NoReverseMatch:
    urlpatterns.insert(0, path("inbox/", include("notifications.urls")))

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

User = get_user_model()


@pytest.fixture
def wang(db):
    return User.objects.create_user(username="wang", email="wang@example.org", first_name="王堃")


@pytest.fixture
def li(db):
    return User.objects.create_user(username="li", email="li@example.org")


def rows(response) -> str:
    """The inbox table's body (the filter form lists every event name too)."""
    return response.content.decode().split("<tbody>")[1].split("</tbody>")[0]


def notice(recipients, key="rollcall:7:notice", **extra):
    extra.setdefault("requires_ack", True)
    extra.setdefault("group", "rollcall:7")
    return services.notify(
        event=Event.NOTICE_ISSUED,
        recipients=recipients,
        key=key,
        context={"notice_title": "入学通知", "document_number": "X组通〔2026〕3号"},
        url="/dispatches/3/",
        **extra,
    )


def test_the_inbox_lists_only_my_notifications_with_the_unread_count_in_the_header(
    wang, li, client
):
    notice([wang, li])
    services.notify(event=Event.REMINDER, recipients=[li], key="li-only", context={"subject": "X"})
    client.force_login(wang)
    page = client.get("/inbox/").content.decode()
    assert "通知下发：入学通知" in page and "到期提醒" not in page.split("<tbody>")[1]
    assert 'class="unread-count">1<' in page  # the header badge
    assert "1 条未读" in page
    assert "签收" in page and '<a href="/dispatches/3/">查看</a>' in page


def test_another_users_notification_is_404_everywhere(wang, li, client):
    [mine] = notice([wang])
    client.force_login(li)
    assert client.get(f"/inbox/{mine.pk}/").status_code == 404
    assert client.post(f"/inbox/{mine.pk}/read/").status_code == 404
    assert client.post(f"/inbox/{mine.pk}/acknowledge/").status_code == 404
    assert client.get(f"/inbox/{mine.pk}/document/").status_code == 404
    mine.refresh_from_db()
    assert mine.read_at is None and mine.acknowledged_at is None


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get("/inbox/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_filters_and_mark_read(wang, client):
    [ack] = notice([wang])
    [rem] = services.notify(
        event=Event.REMINDER, recipients=[wang], key="r", context={"subject": "签收"}
    )
    client.force_login(wang)
    assert "到期提醒" not in rows(client.get("/inbox/?event=notice_issued"))
    client.post(f"/inbox/{rem.pk}/read/")
    unread = rows(client.get("/inbox/?unread=on"))
    assert "通知下发" in unread and "到期提醒" not in unread
    assert client.get("/inbox/?event=bogus").status_code == 200  # a bad filter shows all
    client.post("/inbox/read-all/")
    assert selectors.unread_count(wang) == 0
    ack.refresh_from_db()
    assert ack.read_at is not None and ack.acknowledged_at is None  # read is not acknowledged


@pytest.mark.parametrize(
    "target", ["abc", "inbox", "-1", "2026-01-01T25:00", "https://evil.example/"]
)
def test_a_next_that_is_no_path_of_this_site_goes_back_to_the_inbox(wang, client, target):
    [ack] = notice([wang])
    client.force_login(wang)
    for url in (f"/inbox/{ack.pk}/read/", "/inbox/read-all/", f"/inbox/{ack.pk}/acknowledge/"):
        response = client.post(url, {"next": target})
        assert response.status_code == 302, (url, response.status_code)
        assert response["Location"] == "/inbox/"
    ack.refresh_from_db()
    assert ack.read_at is not None and ack.acknowledged_at is not None
    response = client.post(f"/inbox/{ack.pk}/read/", {"next": "/inbox/?unread=on"})
    assert response["Location"] == "/inbox/?unread=on"  # a path of this site is kept


def test_opening_a_notification_marks_it_read(wang, client):
    [n] = notice([wang])
    client.force_login(wang)
    page = client.get(f"/inbox/{n.pk}/").content.decode()
    assert "X组通〔2026〕3号" in page
    n.refresh_from_db()
    assert n.read_at is not None


def test_acknowledging_records_time_and_ip_once_audits_and_signals(wang, li, client):
    [n, other] = notice([wang, li])
    received = []

    def receiver(sender, notification, user, **kwargs):
        received.append((notification.pk, user.pk))

    signals.acknowledged.connect(receiver)
    try:
        client.force_login(wang)
        response = client.post(f"/inbox/{n.pk}/acknowledge/", REMOTE_ADDR="10.1.2.3")
        assert response.status_code == 302
        n.refresh_from_db()
        first = n.acknowledged_at
        assert first is not None and n.acknowledged_ip == "10.1.2.3" and n.read_at is not None
        # Twice: idempotent, same time, no second audit event or signal.
        again = services.acknowledge(user=wang, notification=n, ip="10.9.9.9")
        assert again.acknowledged_at == first and again.acknowledged_ip == "10.1.2.3"
    finally:
        signals.acknowledged.disconnect(receiver)
    assert received == [(n.pk, wang.pk)]
    assert AuditEvent.objects.filter(verb="notification.acknowledge").count() == 1
    # Someone else's notice: refused.
    with pytest.raises(PermissionDenied):
        services.acknowledge(user=wang, notification=other, ip="10.1.2.3")
    # Reported per group for the dispatcher.
    assert [x.recipient.username for x in selectors.unacknowledged("rollcall:7")] == ["li"]
    report = {
        x.recipient.username: x.acknowledged_at for x in selectors.acknowledgements("rollcall:7")
    }
    assert report == {"li": None, "wang": first}
    page = client.get(f"/inbox/{n.pk}/").content.decode()
    assert "已于" in page and "签收" in page


def test_a_receiver_that_fails_rolls_the_acknowledgement_back(wang):
    [n] = notice([wang])

    def broken(**kwargs):
        raise RuntimeError("dispatch task could not be completed")

    signals.acknowledged.connect(broken)
    try:
        with pytest.raises(RuntimeError):
            services.acknowledge(user=wang, notification=n, ip="10.1.2.3")
    finally:
        signals.acknowledged.disconnect(broken)
    n.refresh_from_db()
    assert n.acknowledged_at is None


def test_a_notification_without_acknowledgement_cannot_be_acknowledged(wang, client):
    [n] = notice([wang], key="plain", requires_ack=False, group="")
    with pytest.raises(ValidationError):
        services.acknowledge(user=wang, notification=n, ip=None)
    client.force_login(wang)
    assert client.post(f"/inbox/{n.pk}/acknowledge/").status_code == 302
    n.refresh_from_db()
    assert n.acknowledged_at is None


def test_the_inbox_query_count_is_flat(wang, client, django_assert_max_num_queries):
    client.force_login(wang)
    for i in range(3):
        notice([wang], key=f"few:{i}")
    client.get("/inbox/")  # warm caches (content types, session)
    with django_assert_max_num_queries(6):
        assert client.get("/inbox/").status_code == 200
    for i in range(40):
        notice([wang], key=f"many:{i}")
    with django_assert_max_num_queries(6):
        page = client.get("/inbox/").content.decode()
    assert page.count("<tr class=") == 25 and "第1页，共2页" in page


def test_preferences_page_saves_channels_digest_and_phone(wang, client):
    client.force_login(wang)
    assert client.get("/inbox/preferences/").status_code == 200
    response = client.post("/inbox/preferences/", {"sms_enabled": "on", "phone": ""})
    assert response.status_code == 200 and "短信通知需要填写手机号码" in response.content.decode()
    response = client.post(
        "/inbox/preferences/",
        {"email_enabled": "on", "daily_digest": "on", "sms_enabled": "on", "phone": "13800000000"},
    )
    assert response.status_code == 302
    profile = ContactProfile.objects.get(user=wang)
    assert (profile.email_enabled, profile.daily_digest, profile.sms_enabled) == (True, True, True)
    assert profile.phone == "13800000000"
    assert AuditEvent.objects.filter(verb="notification.preferences").exists()


def test_the_context_processor_counts_lazily(wang, rf, django_assert_num_queries):
    from notifications.context_processors import unread

    notice([wang])
    request = rf.get("/")
    request.user = wang
    with django_assert_num_queries(0):
        context = unread(request)
    with django_assert_num_queries(1):
        assert context["unread_count"] == 1
    assert Notification.objects.count() == 1
