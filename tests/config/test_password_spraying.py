"""Password spraying (README: Security): besides the lock of one username at one address
after 5 failures, an address that fails 50 logins within the cool-off, whatever the
usernames, is refused for every username (config.security.LoginThrottleHandler)."""

import datetime as dt

import time_machine
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.utils import timezone

from audit.models import AuditEvent

LOGIN = "/accounts/login/"
LOCKED = "登录失败次数过多，账户已暂时锁定，请在 30 分钟后再试或联系管理员解锁。"
SPRAYER = "10.1.1.1"
NEIGHBOUR = "10.1.1.2"


def log_in(client, username, password, address=SPRAYER):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def logged_in(client):
    return "_auth_user_id" in client.session


def spray(client, count, start=0):
    """`count` wrong passwords from SPRAYER, each for another username; the statuses."""
    return [
        log_in(client, f"guess{n}", "Spring2024!").status_code for n in range(start, start + count)
    ]


def test_fifty_failures_over_fifty_usernames_lock_the_address_for_every_username(world, client):
    assert spray(client, 49) == [200] * 49
    assert spray(client, 1, start=49) == [429]  # the 50th failure

    response = log_in(client, "bob", "pw-bob")  # right password, a username never tried
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert not logged_in(client)

    assert log_in(client, "bob", "pw-bob", address=NEIGHBOUR).status_code == 302
    assert logged_in(client)


def test_the_per_username_limit_is_unchanged_and_a_success_does_not_clear_the_address(
    world, client
):
    spray(client, 41)
    for _ in range(4):
        assert log_in(client, "alice", "wrong").status_code == 200
    assert log_in(client, "alice", "pw-alice").status_code == 302  # 45 failures so far
    client.logout()

    # Alice's success cleared her own four failures only: 41 remain charged to the address.
    assert spray(client, 8, start=41) == [200] * 8
    assert spray(client, 1, start=49) == [429]  # 41 + 9 = 50
    assert log_in(client, "alice", "pw-alice").status_code == 429


def test_five_failures_for_one_username_still_lock_it_alone(world, client):
    for _ in range(5):
        log_in(client, "alice", "wrong")
    assert log_in(client, "alice", "pw-alice").status_code == 429
    assert log_in(client, "bob", "pw-bob").status_code == 302


def test_the_address_lock_ends_with_the_cool_off(world, client):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        spray(client, 50)
        assert log_in(client, "bob", "pw-bob").status_code == 429
        clock.move_to(start + dt.timedelta(minutes=31))
        assert log_in(client, "bob", "pw-bob").status_code == 302


def test_an_administrator_unlocks_a_locked_address_and_it_is_audited(world, client):
    spray(client, 50)
    assert log_in(client, "bob", "pw-bob").status_code == 429
    root = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(root)
    one = AccessAttempt.objects.filter(ip_address=SPRAYER).order_by("username").first()

    response = client.post(
        "/admin/axes/accessattempt/",
        {"action": "unlock_logins", "_selected_action": [one.pk]},
    )

    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(ip_address=SPRAYER).exists()
    event = AuditEvent.objects.get(verb="login.unlock")
    assert event.actor == root
    assert event.before["ip_address"] == SPRAYER and event.before["address_locked"] is True
    client.logout()
    assert log_in(client, "bob", "pw-bob").status_code == 302


def test_unlocking_one_username_leaves_the_other_failures_of_its_address(world, client):
    spray(client, 10)
    for _ in range(5):
        log_in(client, "alice", "wrong")
    root = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(root)
    alice = AccessAttempt.objects.get(username="alice")
    client.post(
        "/admin/axes/accessattempt/",
        {"action": "unlock_logins", "_selected_action": [alice.pk]},
    )
    assert AccessAttempt.objects.filter(ip_address=SPRAYER).count() == 10
    assert AuditEvent.objects.get(verb="login.unlock").before["address_locked"] is False
