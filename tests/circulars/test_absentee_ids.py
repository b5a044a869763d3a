"""The circular's figures keep the unexcused absences as dispatch ids, not names: the
names are read when the list is shown (a page of them on the task pages, all of them in
the document), in one query with the ids as one parameter however many there are; and
circulars stored with the names themselves still show and print them."""

import datetime as dt
import json
import re

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import TestCase

from circulars.models import Circular
from circulars.selectors import absentee_count, absentee_rows
from circulars.services import circular_figures
from dispatch.models import Dispatch, DispatchStatus
from notifications.models import IssuedDocument
from tests.circulars.kit import pdf_text, start_circular
from tests.factories import aware, cadre, training_class
from tests.flowtools import act, open_task, process_of

START, END = dt.date(2026, 1, 1), dt.date(2026, 6, 30)


def dispatch(person, klass, status=DispatchStatus.ABSENT):
    return Dispatch.objects.create(
        training_class=klass,
        cadre=person,
        unit=person.unit,
        status=status,
        confirm_due=aware(klass.start_date - dt.timedelta(days=3)),
    )


def absences(world, count: int) -> list[Dispatch]:
    """`count` absent dispatches in the period, five classes a cadre, over three units."""
    classes = [
        training_class(world.city_od, world.school, dt.date(2026, 2 + n, 2)) for n in range(5)
    ]
    units = [world.a, world.a1, world.b]
    rows = []
    for n in range(count):
        if n % 5 == 0:
            person = cadre(f"缺训{n // 5:03d}", units[n // 5 % 3], world.city_od)
        rows.append(dispatch(person, classes[n % 5]))
    return rows


def absentee_table(html: str) -> list[str]:
    """The names in the task page's list of absentees, in order."""
    table = re.search(r'<table id="circular-absentees">.*?</table>', html, re.S)
    return re.findall(r"<tr><td>([^<]*)</td>", table.group(0)) if table else []


def draft_page(client, world, circular) -> str:
    """The drafter's task page of `circular`, claimed by the drafter."""
    process = process_of(circular, "CircularFlow")
    client.force_login(world.bob)
    draft = open_task(process, "draft")
    client.post(f"/workflow/circular/{process.pk}/draft/{draft.pk}/assign/")
    return f"/workflow/circular/{process.pk}/draft/{draft.pk}/execute/"


def test_the_figures_hold_the_absent_dispatches_ids_and_no_names(world):
    spring = training_class(world.city_od, world.school, dt.date(2026, 3, 2), name="春季班")
    autumn = training_class(world.city_od, world.school, dt.date(2026, 9, 7), name="秋季班")
    absent = [dispatch(world.cadre_a, spring), dispatch(world.cadre_b, spring)]
    # Not absences of the period: another status, cancelled, a class after the period.
    dispatch(world.cadre_a1, spring, status=DispatchStatus.ATTENDED)
    dispatch(world.cadre_a1, autumn)

    figures = circular_figures(org_department=world.city_od, start=START, end=END)

    assert "absentees" not in figures
    # In the order of the partial index they are read from (unit, class, cadre, id).
    expected = sorted(absent, key=lambda d: (d.unit_id, d.training_class_id, d.cadre_id, d.pk))
    assert figures["absentee_ids"] == [d.pk for d in expected]
    stored = json.dumps(figures, ensure_ascii=False)
    assert world.cadre_a.name not in stored and world.cadre_b.name not in stored
    assert absentee_count(figures) == figures["totals"]["absent"] == 2
    # The names are read when the list is shown: a cadre renamed since shows as now.
    world.cadre_b.name = "周改名"
    world.cadre_b.save(update_fields=["name"])
    assert absentee_rows(figures) == [
        {"name": world.cadre_a.name, "unit": world.a.name, "missed_class": "春季班"},
        {"name": "周改名", "unit": world.b.name, "missed_class": "春季班"},
    ]


def test_the_list_is_read_in_pages_in_the_printed_order(world):
    rows = absences(world, 12)
    figures = circular_figures(org_department=world.city_od, start=START, end=END)
    every = absentee_rows(figures)
    assert len(every) == absentee_count(figures) == 12
    assert {(r["name"], r["missed_class"]) for r in every} == {
        (d.cadre.name, d.training_class.name) for d in rows
    }
    pages = [absentee_rows(figures, offset=n, limit=5) for n in (0, 5, 10)]
    assert [len(p) for p in pages] == [5, 5, 2]
    assert sum(pages, []) == every
    assert absentee_rows(figures, offset=3) == every[3:]
    assert absentee_rows(figures, limit=0) == []


def bind_parameter_limit() -> int:
    """How many separate placeholders one statement may hold on this database."""
    if connection.vendor == "sqlite":
        import sqlite3

        connection.ensure_connection()
        return connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return 65_535  # PostgreSQL's protocol: a 16-bit count of parameters


def test_the_names_are_read_for_more_ids_than_a_statement_holds_placeholders(world):
    klass = training_class(world.city_od, world.school, dt.date(2026, 3, 2), name="春季班")
    real = [dispatch(p, klass) for p in (world.cadre_b, world.cadre_a1, world.cadre_a)]
    top = max(d.pk for d in real)
    # The real ids among tens of thousands that name no dispatch (deleted ones, say).
    ids = list(range(top + 1, top + 2 + bind_parameter_limit()))
    for n, d in enumerate(real):
        ids.insert(n * 1000, d.pk)
    if connection.vendor == "sqlite":
        # One placeholder per id is more than this SQLite allows (psycopg binds on the
        # client, so PostgreSQL would only be sent a very long statement).
        with pytest.raises(DatabaseError), transaction.atomic():
            list(Dispatch.objects.filter(pk__in=ids))
    figures = {"absentee_ids": ids}

    rows = absentee_rows(figures)

    # Path order: 发改委, its 综合科, then the county's 公安局.
    assert rows == [
        {"name": d.cadre.name, "unit": d.unit.name, "missed_class": "春季班"}
        for d in (real[2], real[1], real[0])
    ]
    assert absentee_rows(figures, offset=1, limit=1) == rows[1:2]
    assert absentee_count(figures) == len(ids)


LEGACY = [
    {"name": "旧名单甲", "unit": "某市发展和改革委员会", "missed_class": "春季班"},
    {"name": "旧名单乙", "unit": "综合科", "missed_class": "春季班"},
]


def test_figures_stored_with_names_keep_their_list():
    figures = {"absentees": LEGACY, "totals": {"absent": 2}}
    assert absentee_rows(figures) == LEGACY
    assert absentee_rows(figures, offset=1, limit=5) == LEGACY[1:]
    assert absentee_count(figures) == 2
    assert absentee_rows({}) == [] and absentee_count({}) == 0


def test_a_circular_stored_with_names_shows_and_prints_them(world, staff, client):
    klass = training_class(world.city_od, world.school, dt.date.today(), name="春季班")
    dispatch(world.cadre_a, klass)
    today = dt.date.today()
    circular = start_circular(client, world, today - dt.timedelta(days=1), today)
    process = process_of(circular, "CircularFlow")
    client.force_login(world.bob)
    act(client, open_task(process, "draft"), {"title": circular.title, "body": ""})
    # Awaiting approval since before the figures kept ids: its names are in the figures.
    figures = dict(Circular.objects.get(pk=circular.pk).figures)
    del figures["absentee_ids"]
    Circular.objects.filter(pk=circular.pk).update(figures={**figures, "absentees": LEGACY})

    client.force_login(staff.oscar)
    approval = open_task(process, "approval")
    client.post(f"/workflow/circular/{process.pk}/approval/{approval.pk}/assign/")
    page = client.get(f"/workflow/circular/{process.pk}/approval/{approval.pk}/execute/")
    assert absentee_table(page.content.decode()) == ["旧名单甲", "旧名单乙"]
    with TestCase.captureOnCommitCallbacks(execute=True):  # the task that renders it
        act(client, approval, {"decision": "approve"})
    circular.refresh_from_db()
    text = pdf_text(IssuedDocument.objects.get(pk=circular.document_id))
    assert "旧名单甲" in text and "旧名单乙" in text
    assert world.cadre_a.name not in text


def test_the_task_page_shows_a_hundred_absentees_a_page_and_their_number(world, client):
    absences(world, 150)
    circular = start_circular(client, world, START, END)
    every = [r["name"] for r in absentee_rows(circular.figures)]
    assert len(every) == 150

    url = draft_page(client, world, circular)
    html = client.get(url).content.decode()
    first = absentee_table(html)
    assert first == every[:100]
    assert "150" in re.search(r'id="circular-absentee-count">([^<]*)<', html).group(1)
    assert "?absentees_page=2" in html
    second = absentee_table(client.get(f"{url}?absentees_page=2").content.decode())
    assert second == every[100:]


#: The drafter's page as measured with one absentee (the figures counted as the page
#: opens, the task, the form and the text generated from the figures): the page of at
#: most 100 names, and all of them for the text, are one query each whatever their number.
QUERIES_OF_THE_DRAFT_PAGE = 33


@pytest.mark.parametrize("count", [1, 150])
def test_the_task_page_costs_the_same_queries_for_one_absentee_and_many(
    world, client, count, django_assert_max_num_queries
):
    absences(world, count)
    circular = start_circular(client, world, START, END)
    url = draft_page(client, world, circular)
    with django_assert_max_num_queries(QUERIES_OF_THE_DRAFT_PAGE):
        html = client.get(url).content.decode()
    assert len(absentee_table(html)) == min(count, 100)
