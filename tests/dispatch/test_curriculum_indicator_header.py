"""The class page's table of teaching indicators heads its threshold column 要求 (what
the indicator asks), not the 必填 (required field) of the import pages."""

import importlib
from decimal import Decimal

import pytest
from django.apps import apps

from dispatch.models import ClassSession, TeachingIndicatorRule
from dispatch.services.curriculum import class_session_save

# 13 days: a class holds at most 8 credit hours a day (TrainingClass.clean).
pytestmark = [pytest.mark.django_db, pytest.mark.klass(credit_hours=100, days=13)]


@pytest.fixture(autouse=True)
def teaching_rules(db):
    """The plan's defaults, as the data migration writes them (a transactional test
    elsewhere may have emptied the table)."""
    if not TeachingIndicatorRule.objects.exists():
        importlib.import_module("dispatch.migrations.0003_default_teaching_rules").load(apps, None)


def test_the_indicator_table_heads_its_thresholds_as_required_of_the_class(world, klass, login):
    class_session_save(
        actor=world.rita,
        session=ClassSession(
            training_class=klass,
            date=klass.start_date,
            title="党章党规党纪",
            hours=Decimal(40),
            teacher="李老师",
            content="party_spirit",
        ),
    )
    page = login(world.bob).get(f"/classes/{klass.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = page.content.decode()
    table = html.split("<caption>教学指标</caption>", 1)[1].split("</table>", 1)[0]
    header = table.split("</thead>", 1)[0]
    assert '<th scope="col">要求</th>' in header
    assert "必填" not in table
