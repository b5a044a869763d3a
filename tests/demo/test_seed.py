"""`manage.py seed_demo`: a realistic demo city, seeded twice without change, in
development only (what the seeded city shows: test_seeded_city.py)."""

import hashlib

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from audit.models import AuditEvent
from dispatch.models import Institution, TrainingClass
from org import idnumber
from org.models import Cadre, OrgDepartment, Unit
from org.roles import Role, group_name

pytestmark = pytest.mark.usefixtures("media")  # the seed issues documents


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


def test_the_demo_is_realistic_and_seeding_twice_changes_nothing(db, django_assert_max_num_queries):
    # Twice the same day (the demo is dated from it: seeded again on a later day, the
    # days go on — a plan for the next year, say): a run that passes midnight holds.
    with time_machine.travel(timezone.now(), tick=False):
        call_command("seed_demo", verbosity=0)
        first = fingerprint()
        # Seeding again reads what is there in bulk: not one query per cadre or login.
        with django_assert_max_num_queries(150):
            call_command("seed_demo", verbosity=0)
        assert fingerprint() == first

    assert Unit.objects.count() >= 40
    assert Cadre.objects.count() >= 800
    assert OrgDepartment.objects.count() == 3
    assert Institution.objects.count() == 3
    # The city's 12 classes, and those its published 2027 plan created.
    from planning.models import PlanLine

    planned = PlanLine.objects.exclude(training_class=None).values("training_class").distinct()
    assert planned.count() >= 1
    assert TrainingClass.objects.exclude(pk__in=planned).count() == 12
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


def test_the_city_is_built_in_bulk(db, monkeypatch, django_assert_max_num_queries):
    """Units, departments, classes, 836 cadres and 162 logins with their roles: the
    cadres in a few INSERTs, the logins in one and their grants in a few more (one
    audit event each), not several queries per cadre and per login."""
    from demo import scenario, steps

    monkeypatch.setattr(scenario, "run", lambda today: False)
    monkeypatch.setattr(steps, "run_all", lambda today: False)
    with django_assert_max_num_queries(1200):
        call_command("seed_demo", verbosity=0)
    assert Cadre.objects.count() == 836
    assert get_user_model().objects.count() == 162
    assert AuditEvent.objects.filter(verb="role.grant").count() == 161


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
