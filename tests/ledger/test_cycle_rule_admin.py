"""A training cycle rule entered in the admin with negative minimum days or a day of no
hours is refused on its field with a message in words — never with the raw name of the
database constraint it would break — whether added or revised, and nothing is written."""

import pytest
from django.utils import translation
from django.utils.html import escape

from ledger.models import CadreCycleRule

pytestmark = pytest.mark.django_db


def zh(message) -> str:
    with translation.override("zh-hans"):
        return escape(translation.gettext(message))


def form_of(rule, **changes) -> dict:
    data = {
        "kind": rule.kind,
        "years": str(rule.years),
        "min_days": "" if rule.min_days is None else str(rule.min_days),
        "hours_per_day": str(rule.hours_per_day),
        "effective_from": "2030-01-01",
        "description": rule.description,
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"min_days": "-1"}, "min_days", "The minimum days cannot be negative."),
        ({"hours_per_day": "0"}, "hours_per_day", "A day of training counts more than zero hours."),
        (
            {"hours_per_day": "-8"},
            "hours_per_day",
            "A day of training counts more than zero hours.",
        ),
    ],
)
def test_a_revision_is_refused_with_a_clear_message(admin_client, changes, field, message):
    rule = CadreCycleRule.objects.get(kind="leader_concentrated", version=1)
    before = CadreCycleRule.objects.count()
    response = admin_client.post(
        f"/admin/ledger/cadrecyclerule/{rule.pk}/change/",
        form_of(rule, **changes),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert zh(message) in page
    assert "cycle_rule_" not in page  # no constraint's name
    assert field in response.context["adminform"].form.errors
    assert CadreCycleRule.objects.count() == before


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"min_days": "-1"}, "The minimum days cannot be negative."),
        ({"hours_per_day": "0"}, "A day of training counts more than zero hours."),
    ],
)
def test_a_new_rule_is_refused_with_a_clear_message(admin_client, changes, message):
    rule = CadreCycleRule.objects.get(kind="leader_concentrated", version=1)
    before = CadreCycleRule.objects.count()
    response = admin_client.post(
        "/admin/ledger/cadrecyclerule/add/",
        form_of(rule, **changes),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert zh(message) in page and "cycle_rule_" not in page
    assert CadreCycleRule.objects.count() == before
