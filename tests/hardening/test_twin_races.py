"""Twins created at the same moment — the same needs survey, training class or curriculum
session submitted by two people at once (or a double click that sends two requests):
one wins, the other gets the rule's message naming it, on its form, and nothing else is
written. Surveys and classes are held by a unique constraint (the loser's write is
refused, then the rule names the winner), sessions by their class's row lock. Only
PostgreSQL runs races (SQLite serialises writers); the refusals one after the other are
tested on both (tests/surveys/test_survey_twins.py, tests/dispatch/test_class_twins.py,
tests/dispatch/test_session_twins.py)."""

import datetime as dt

import pytest
from django.test import Client
from django.utils.html import escape

from dispatch import twins
from dispatch.models import ClassSession, TrainingClass
from surveys import policy as survey_policy
from surveys.models import Survey
from tests.factories import training_class, user
from tests.racing import postgresql_only, together
from tests.surveys.kit import open_form

ROUNDS = 3


def logged_in(person):
    client = Client()
    client.force_login(person)
    return client


def one_won(outcomes):
    """The winner's redirect and the loser's page, once no request raised (a 500)."""
    errors = [value for kind, value in outcomes if kind == "error"]
    assert not errors, errors
    responses = [value for _kind, value in outcomes]
    assert sorted(r.status_code for r in responses) == [200, 302]
    return next(r for r in responses if r.status_code == 200)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_opening_the_years_survey_at_once_open_one(world, staff):
    ben = user("ben", "dispatcher", world.root)  # a second dispatcher of the city
    for round_ in range(ROUNDS):
        year = 2027 + round_
        clients = [logged_in(world.bob), logged_in(ben)]

        outcomes = together(
            *(
                lambda c=c, n=n, year=year: c.post(
                    "/workflow/survey/start/",
                    open_form(world, year=year, title=f"{year}年度需求调研（{n}）"),
                )
                for n, c in enumerate(clients)
            )
        )

        refused = one_won(outcomes)
        assert Survey.objects.filter(year=year).count() == 1, round_
        message = survey_policy.survey_twin_refusal(world.city_od, year)
        assert escape(message) in refused.content.decode(), round_


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_creating_the_same_class_at_once_create_one(world):
    ben = user("ben", "dispatcher", world.root)
    for round_ in range(ROUNDS):
        start = dt.date.today() + dt.timedelta(days=40 + 10 * round_)
        data = {
            "name": f"秋季进修班{round_}",
            "institution": world.school.pk,
            "organizer": world.city_od.pk,
            "kind": "main",
            "start_date": start,
            "end_date": start + dt.timedelta(days=4),
            "report_date": start,
            "location": "党校",
            "credit_hours": "40",
            "days": 5,
            "quota": 20,
        }
        clients = [logged_in(world.bob), logged_in(ben)]

        outcomes = together(
            *(lambda c=c, data=data: c.post("/classes/new/", data) for c in clients)
        )

        refused = one_won(outcomes)
        [klass] = TrainingClass.objects.filter(name=data["name"])
        assert escape(twins.class_twin_message(klass)) in refused.content.decode(), round_


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_the_registrar_and_the_dispatcher_adding_the_same_session_at_once_add_one(world):
    klass = training_class(
        world.city_od, world.school, dt.date.today() + dt.timedelta(days=30), days=10
    )
    for round_ in range(ROUNDS):
        data = {
            "date": klass.start_date + dt.timedelta(days=round_),
            "title": "案例研讨",
            "hours": "4",
            "content": "case_teaching",
            "method": "case_teaching",
            "teacher": "张主任",
        }
        clients = [logged_in(world.rita), logged_in(world.bob)]

        outcomes = together(
            *(
                lambda c=c, data=data: c.post(f"/classes/{klass.pk}/sessions/new/", data)
                for c in clients
            )
        )

        refused = one_won(outcomes)
        [session] = ClassSession.objects.filter(training_class=klass, date=data["date"])
        probe = ClassSession(**{f: getattr(session, f) for f in twins.SESSION_KEY})
        assert escape(twins.session_twin_refusal(probe)) in refused.content.decode(), round_
