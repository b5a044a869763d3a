"""Idle sessions (README: Security): a session ends 8 hours after its last request and the
user is sent to the login page with next=; each request pushes the end back, but the
session row is written at most once every 5 minutes (config.idle_sessions)."""

import datetime as dt

import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from config.idle_sessions import TOUCHED_KEY
from core.tasks import clear_expired_sessions


def session_writes(queries):
    return [
        q["sql"]
        for q in queries
        if q["sql"].lstrip().upper().startswith("UPDATE") and "django_session" in q["sql"]
    ]


def test_a_session_idle_for_more_than_eight_hours_ends_at_the_login_page(world, client):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        client.force_login(world.bob)
        assert client.get(reverse("home")).status_code == 200

        clock.move_to(start + dt.timedelta(hours=8, minutes=1))
        cadres = reverse("cadre_list")
        response = client.get(cadres + "?q=wang")

        assert response.status_code == 302
        assert response.url == "/accounts/login/?next=" + "/cadres/%3Fq%3Dwang"
        assert "_auth_user_id" not in client.session


# An API list on the session: no page header, whose cached links save the session too.
QUIET = "/api/v1/dispatches/"


def test_a_session_active_every_hour_outlives_the_idle_limit(world, client):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        client.force_login(world.bob)
        for hour in range(13):
            clock.move_to(start + dt.timedelta(hours=hour, minutes=59))
            assert client.get(QUIET).status_code == 200, hour
        clock.move_to(start + dt.timedelta(hours=20, minutes=58))
        assert client.get(QUIET).status_code == 200
        clock.move_to(start + dt.timedelta(hours=29))
        assert client.get(QUIET).status_code == 401  # 8 h 2 min idle


def test_the_session_row_is_written_at_most_once_every_five_minutes(world, client):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        client.force_login(world.bob)
        client.get(reverse("home"))  # the first request after the login stamps the session
        assert client.session[TOUCHED_KEY] == int(start.timestamp())

        clock.move_to(start + dt.timedelta(minutes=1))
        with CaptureQueriesContext(connection) as quick:
            assert client.get(reverse("home")).status_code == 200
            assert client.get(QUIET).status_code == 200
        assert session_writes(quick.captured_queries) == []

        clock.move_to(start + dt.timedelta(minutes=6))
        with CaptureQueriesContext(connection) as later:
            assert client.get(QUIET).status_code == 200  # pushes the end back
            assert client.get(QUIET).status_code == 200
        assert len(session_writes(later.captured_queries)) == 1


def test_a_login_through_the_form_stamps_its_session_and_a_logout_leaves_none(world, client):
    response = client.post("/accounts/login/", {"username": "bob", "password": "pw-bob"})
    assert response.status_code == 302
    assert TOUCHED_KEY in client.session
    client.post("/accounts/logout/")
    assert TOUCHED_KEY not in client.session


def test_the_nightly_job_deletes_the_sessions_past_their_expiry_and_keeps_the_others(world):
    """beat's expired-sessions (or cron's clearsessions): an idle session's row goes, a
    live one stays — the session table does not grow for good."""
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        idle, live = Client(), Client()
        idle.force_login(world.bob)
        clock.move_to(start + dt.timedelta(hours=7))
        live.force_login(world.alice)
        clock.move_to(start + dt.timedelta(hours=8, minutes=1))
        assert Session.objects.count() == 2

        clear_expired_sessions.delay()

        assert list(Session.objects.values_list("session_key", flat=True)) == [
            live.session.session_key
        ]
    assert settings.CELERY_BEAT_SCHEDULE["expired-sessions"]["task"] == clear_expired_sessions.name
