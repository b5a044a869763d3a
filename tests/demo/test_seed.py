"""`manage.py seed_demo`: a realistic demo city, seeded twice without change, in
development only; its logins are confined to their jurisdiction and carry names."""

import hashlib
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from audit.models import AuditEvent
from dispatch.models import Institution, TrainingClass
from org import idnumber, selectors
from org.models import Cadre, OrgDepartment, Unit
from org.roles import Role, group_name


@pytest.fixture(autouse=True)
def _debug_on(settings):
    """The demo is seeded in development (DEBUG on); pytest turns DEBUG off."""
    settings.DEBUG = True


def fingerprint():
    rows = [
        list(Unit.objects.order_by("code").values_list("code", "name", "path")),
        list(
            Cadre.objects.order_by("id_number").values_list(
                "id_number",
                "name",
                "unit__code",
                "position",
                "managing_org_department__issuer_code",
                "co_managing_org_department__issuer_code",
                "user__username",
            )
        ),
        list(TrainingClass.objects.order_by("name").values_list("name", "start_date", "quota")),
        list(get_user_model().objects.order_by("username").values_list("username", "password")),
        AuditEvent.objects.count(),
    ]
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def test_the_demo_is_realistic_and_seeding_twice_changes_nothing(db):
    call_command("seed_demo", verbosity=0)
    first = fingerprint()
    call_command("seed_demo", verbosity=0)
    assert fingerprint() == first

    assert Unit.objects.count() >= 40
    assert Cadre.objects.count() >= 800
    assert OrgDepartment.objects.count() == 3
    assert Institution.objects.count() == 3
    assert TrainingClass.objects.count() == 12
    assert Cadre.objects.filter(co_managing_org_department__isnull=False).count() >= 5
    for number in Cadre.objects.values_list("id_number", flat=True):
        idnumber.validate_id_number(number)
    rare = "".join(Cadre.objects.values_list("name", flat=True))
    for char in "堃玥喆镕":
        assert char in rare
    for role in Role:
        assert get_user_model().objects.filter(groups__name=group_name(role)).exists(), role
    city = OrgDepartment.objects.get(issuer_code="X组通")
    assert city.unit.name == "中共XX市委组织部"


def test_demo_logins_are_confined_to_their_jurisdiction(db):
    call_command("seed_demo", verbosity=0)
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


def test_the_county_reads_the_city_cadres_it_co_manages(db):
    """xx-ct's first cadres are co-managed by 青山县 (dual management across
    jurisdictions): qs.orghead reads them and no other city cadre; a unit head of the
    county does not."""
    call_command("seed_demo", verbosity=0)
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


def test_seeding_is_refused_when_debug_is_off(db, settings):
    """The seed creates the superuser admin with the published password: not on a
    production database, unless asked for with --force."""
    from django.core.management.base import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", verbosity=0)
    assert not get_user_model().objects.exists()
    assert not Unit.objects.exists()
    call_command("seed_demo", "--force", verbosity=0)
    assert get_user_model().objects.get(username="admin").is_superuser


def test_the_run_script_tells_the_truth_about_admin():
    from pathlib import Path

    script = (Path(__file__).resolve().parents[2] / "run").read_text()
    assert "createsuperuser" not in script
    assert "admin" in script and "/admin/" in script


def test_the_demo_shows_a_dispatch_at_every_resting_stage(db):
    from approvals.models import ApprovalRequest
    from dispatch.models import Dispatch, DispatchStatus, Filing, Makeup, QuotaAllocation

    call_command("seed_demo", verbosity=0)
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


def test_demo_logins_carry_peoples_names(db):
    call_command("seed_demo", "--force", verbosity=0)
    User = get_user_model()
    for username in ["xx.dispatcher", "xx-fgw.liaison", "xx-dx.registrar", "xx.auditor"]:
        name = User.objects.get(username=username).get_full_name()
        assert 2 <= len(name) <= 4, (username, name)
        assert not re.search(r"[A-Za-z.]", name)
        for role_word in ["联络员", "专员", "教务", "审计员"]:
            assert role_word not in name
