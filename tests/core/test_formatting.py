"""One copy each of date and hours formatting (core.formatting): official documents print
their dates through it in Chinese whatever language is active, and credit hours read
40 and 12.5 on every page (the `hours` filter)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from circulars.services import period_label
from core import formatting
from notifications.documents import render
from notifications.documents.context import DocumentContext, Issuer
from tests.factories import cadre, credit

DAYS = [dt.date(2026, 3, 5), dt.date(2026, 11, 27), dt.date(2027, 1, 9), dt.date(2026, 10, 12)]


def document(day: dt.date) -> DocumentContext:
    return DocumentContext(
        issuer=Issuer(name="中共某市委组织部", code="X组通"),
        title="关于举办专题培训班的通知",
        date=day,
        recipients=["各区县委组织部"],
    )


def test_documents_print_dates_with_cores_one_helper():
    assert render.format_date is formatting.format_document_date
    for day in DAYS:
        data = render.template_context(document(day), document_number="X组通〔2026〕1号")
        expected = f"{day.year}年{day.month}月{day.day}日"
        assert data["date"] == data["printed_on"] == formatting.format_date(day) == expected


@pytest.mark.parametrize("language", [None, "en"])
def test_documents_print_chinese_dates_whatever_language_is_active(language):
    """None is a Celery task's or a command's state: no language at all."""
    with translation.override(language):
        assert formatting.format_date(dt.date(2026, 3, 5)) == "March 5, 2026"  # pages follow
        html = render.render_html(document(dt.date(2026, 3, 5)), document_number="X组通〔2026〕1号")
        assert "2026年3月5日" in html and "March" not in html
        assert formatting.format_document_date(dt.date(2026, 3, 5)) == "2026年3月5日"
        assert period_label(dt.date(2026, 10, 1), dt.date(2026, 12, 13)) == (
            "2026年10月1日至12月13日"
        )
        assert period_label(dt.date(2026, 12, 1), dt.date(2027, 1, 13)) == (
            "2026年12月1日至2027年1月13日"
        )
        assert period_label(dt.date(2026, 3, 1), dt.date(2026, 3, 31)) == "2026年3月"
    assert translation.get_language() == "zh-hans"


def hours(value) -> str:
    return Template("{% load formatting %}{{ value|hours }}").render(Context({"value": value}))


def test_the_hours_filter_prints_hours_as_format_hours_does():
    assert hours(Decimal("40.0")) == hours(40) == hours(40.0) == "40"
    assert hours(Decimal("12.5")) == hours(12.5) == hours(Decimal("12.50")) == "12.5"
    assert hours(0.1 + 0.2) == "0.3"  # a float sum read back from SQLite
    assert hours(None) == hours("") == ""
    assert hours("abc") == "abc"  # a raw cell of an import is shown as it is
    assert formatting.format_hours(Decimal("12.5")) == "12.5"


@pytest.mark.django_db
def test_hours_read_the_same_on_the_compliance_report_and_the_training_record(world, login):
    person = cadre("周半", world.a1, world.city_od, category="civil_servant")
    credit(person, Decimal("12.5"), dt.date(2026, 3, 5))
    client = login(world.bob)
    report = client.get(f"/compliance/?unit={world.a1.pk}&as_of=2026-12-31").content.decode()
    assert "集中培训（自然年度）：12.5/90" in report  # not 12/90 or 13/90
    record = client.get(f"/cadres/{person.pk}/record/?as_of=2026-12-31").content.decode()
    assert ">12.5</td>" in record and ">90</td>" in record and "90.0" not in record


@pytest.mark.parametrize(
    "part, whole, printed",
    [
        (14, 17, "82.4%"),  # 82.35…: rounded to a four-place fraction first, 82.3%
        (13, 16, "81.3%"),  # exactly 81.25: half up
        (1, 8, "12.5%"),
        (359, 399, "90.0%"),
        (1999, 2000, "100.0%"),
        (0, 5, "0.0%"),
        (5, 5, "100.0%"),
        (0, 0, "—"),
    ],
)
def test_a_rate_is_rounded_half_up_once_from_its_counts(part, whole, printed):
    assert formatting.format_percent(part, whole) == printed
    value = formatting.percent(part, whole)
    assert (f"{value}%" if value is not None else "—") == printed
