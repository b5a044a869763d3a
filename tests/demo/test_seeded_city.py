"""The seeded demo city, read: its logins are confined to their jurisdiction and carry
names, and it shows a dispatch at every resting stage. Seeding costs about 30 s, so the
city is seeded once for this module inside one transaction that is rolled back at its end
(each test runs in a savepoint within it, as usual)."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from org import selectors
from org.models import Cadre


@pytest.fixture(scope="module")
def demo_city(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with override_settings(DEBUG=True):
                call_command("seed_demo", verbosity=0)
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def test_demo_logins_are_confined_to_their_jurisdiction(demo_city, db):
    User = get_user_model()
    county = User.objects.get(username="qs.dispatcher")
    reach = selectors.cadres_in_reach(county)
    assert reach.exists()
    # Outside the county: only the city cadres the county co-manages.
    assert (
        not reach.exclude(unit__code__startswith="qs")
        .exclude(co_managing_org_department__issuer_code="青组通")
        .exists()
    )
    assert (
        not selectors.cadres_in_reach(county, "issue_dispatch")
        .exclude(unit__code__startswith="qs")
        .exists()
    )
    head = User.objects.get(username="xx-fgw.head")
    assert set(selectors.cadres_in_reach(head).values_list("unit__code", flat=True)) == {"xx-fgw"}


def test_the_county_reads_the_city_cadres_it_co_manages(demo_city, db):
    """xx-ct's first cadres are co-managed by 青山县 (dual management across
    jurisdictions): qs.orghead reads them and no other city cadre; a unit head of the
    county does not."""
    User = get_user_model()
    co_managed = set(
        Cadre.objects.filter(
            unit__code="xx-ct", co_managing_org_department__issuer_code="青组通"
        ).values_list("pk", flat=True)
    )
    assert co_managed
    orghead = selectors.cadres_in_reach(User.objects.get(username="qs.orghead"))
    city = set(orghead.exclude(unit__code__startswith="qs").values_list("pk", flat=True))
    assert city == co_managed
    head = selectors.cadres_in_reach(User.objects.get(username="qs-gaj.head"))
    assert not head.filter(pk__in=co_managed).exists()


def test_the_demo_shows_a_dispatch_at_every_resting_stage(demo_city, db):
    from approvals.models import ApprovalRequest
    from dispatch.models import Dispatch, DispatchStatus, Filing, Makeup, QuotaAllocation

    statuses = set(Dispatch.objects.values_list("status", flat=True))
    # "confirmed" is transient: the notice goes out in the same step.
    assert set(DispatchStatus.values) - {DispatchStatus.CONFIRMED} <= statuses
    assert set(QuotaAllocation.objects.values_list("status", flat=True)) >= {
        "awaiting_head",
        "awaiting_nomination",
        "accepted",
    }
    assert set(Filing.objects.values_list("status", flat=True)) == {
        "submitted",
        "returned",
        "accepted",
    }
    assert Makeup.objects.count() >= 3
    assert ApprovalRequest.objects.filter(status="pending").exists()


def test_demo_logins_carry_peoples_names(demo_city, db):
    User = get_user_model()
    for username in ["xx.dispatcher", "xx-fgw.liaison", "xx-dx.registrar", "xx.auditor"]:
        name = User.objects.get(username=username).get_full_name()
        assert 2 <= len(name) <= 4, (username, name)
        assert not re.search(r"[A-Za-z.]", name)
        for role_word in ["联络员", "专员", "教务", "审计员"]:
            assert role_word not in name
