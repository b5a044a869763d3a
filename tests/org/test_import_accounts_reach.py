"""The accounts import stays within what the importer manages (org.imports_accounts):
an existing account gains a role only from someone who may manage it
(`org.policy.may_manage_account`); a column the file leaves out keeps an account's
value; deactivating a head ends what their delegations gave (`org.selectors` ignores a
delegation whose delegator is inactive; the deputy's claimed tasks go back to the
queue); the result page lists only the accounts the viewer may still manage."""

import csv
import datetime as dt
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from viewflow.workflow.status import STATUS

from audit.models import AuditEvent
from imports.engine import batch_commit
from imports.kinds import Action, registry
from notifications.models import ContactProfile
from org import reachcache, services
from org.models import UnitUserObjectPermission
from org.roles import Role, roles_of
from org.selectors import delegations_received, units_in_reach, users_reaching
from tests.dispatch.import_kit import check, commit, preview, read
from tests.factories import user
from tests.flowtools import nomination_head_task, task_url

pytestmark = [pytest.mark.django_db, pytest.mark.klass(quota=10)]
User = get_user_model()


def row(username, role="单位联络员", unit="", full_name="张伟", **fields):
    return {"username": username, "full_name": full_name, "role": role, "unit": unit, **fields}


def reaches(person, codename, unit) -> bool:
    return units_in_reach(person, codename).filter(pk=unit.pk).exists()


# -- (1) a role for an existing account only from someone who manages it ------------------


@pytest.mark.parametrize("role", [Role.UNIT_LIAISON, Role.DEPARTMENT_HEAD])
def test_a_county_dispatcher_gives_no_role_to_a_city_account(world, role):
    city = user("city.person", "unit_liaison", world.a, first_name="张伟")
    rows = [row("city.person", role=str(role.label), unit=world.b.code)]
    [outcome] = check("accounts", world.carol, rows)
    assert outcome.action == Action.ERROR
    assert any("city.person" in error for error in outcome.errors)
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError):
        commit("accounts", world.carol, rows)
    assert roles_of(city) == [Role.UNIT_LIAISON]
    assert not UnitUserObjectPermission.objects.filter(user=city, content_object=world.b).exists()
    assert AuditEvent.objects.count() == events
    # The service refuses too; the city's dispatcher may; a new account is unaffected.
    with pytest.raises(PermissionDenied):
        services.role_grant(actor=world.carol, user=city, role=role, unit=world.b)
    assert not check("accounts", world.bob, rows)[0].errors
    assert check("accounts", world.carol, [row("fresh", unit=world.b.code)])[0].action == (
        Action.CREATE
    )


# -- (2) a column the file leaves out keeps the value -------------------------------------


def commit_columns(actor, keys, rows):
    """Commit `rows` from a file with only the columns `keys` (by their first header)."""
    kind = registry.get("accounts")
    headers = {column.key: column.names()[0] for column in kind.columns}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([headers[key] for key in keys])
    for values in rows:
        writer.writerow([values.get(key, "") for key in keys])
    table = read(kind, out.getvalue().encode("utf-8"))
    outcomes = list(kind.check(actor, table))
    assert not [o.errors for o in outcomes if o.errors]
    kind.apply(actor, iter(outcomes), lambda n: None)
    return outcomes


def test_a_column_the_file_leaves_out_keeps_the_value(world):
    person = user("ct", "unit_liaison", world.a, first_name="张伟", email="ct@example.cn")
    ContactProfile.objects.create(user=person, phone="13812345678")
    values = row("ct", unit=world.a.code, full_name="张三")

    [outcome] = commit_columns(world.bob, ["username", "full_name", "role", "unit"], [values])
    assert len(outcome.changes) == 1  # the name only: no "ct@example.cn → —"
    person.refresh_from_db()
    assert (person.first_name, person.email) == ("张三", "ct@example.cn")
    assert ContactProfile.objects.get(user=person).phone == "13812345678"

    # A column present but empty clears.
    keys = ["username", "full_name", "email", "phone", "role", "unit"]
    commit_columns(world.bob, keys, [values])
    person.refresh_from_db()
    assert person.email == ""
    assert ContactProfile.objects.get(user=person).phone == ""


# -- (3) a deactivated head's delegation stops counting -----------------------------------


def test_deactivating_a_head_ends_the_deputys_authority(world, staff, klass, client):
    deputy = user("deputy", "deputy_head", world.a)
    today = timezone.localdate()
    services.delegation_create(
        actor=world.alice, delegate=deputy, starts_on=today, ends_on=today + dt.timedelta(days=7)
    )
    task = nomination_head_task(client, world, staff, klass)
    client.force_login(deputy)
    assert client.post(task_url(task, "assign")).status_code == 302
    task.refresh_from_db()
    assert (task.status, task.owner) == (STATUS.ASSIGNED, deputy)

    with reachcache.scope():  # one request: what it remembered is forgotten
        assert reaches(deputy, "approve_as_head", world.a)
        rows = [row("alice", role=str(Role.DEPARTMENT_HEAD.label), unit=world.a.code)]
        commit("accounts", world.bob, [{**rows[0], "status": "停用"}])
        assert not reaches(deputy, "approve_as_head", world.a)
    assert deputy not in users_reaching(world.a, "approve_as_head")
    assert not delegations_received(deputy).exists()
    task.refresh_from_db()
    assert (task.status, task.owner_id) == (STATUS.NEW, None)
    event = AuditEvent.objects.get(verb="task.release")
    assert (event.actor, event.note, event.before["owner"]) == (
        world.bob,
        "account_deactivated",
        deputy.pk,
    )


# -- (4) the result page lists only accounts the viewer may still manage ------------------


def test_the_result_rows_leave_out_accounts_the_viewer_no_longer_manages(world):
    kind = registry.get("accounts")
    rows = [row("c1", unit=world.b.code), row("c2", unit=world.county_od_unit.code)]
    batch = batch_commit(actor=world.carol, batch=preview(kind, world.carol, rows))
    assert [list(r.values())[0] for r in kind.result_rows(world.carol, batch)] == ["c1", "c2"]
    # c2 now serves a city unit too: the county's dispatcher no longer manages it.
    c2 = User.objects.get(username="c2")
    services.role_grant(actor=None, user=c2, role="unit_liaison", unit=world.a)
    assert [list(r.values())[0] for r in kind.result_rows(world.carol, batch)] == ["c1"]
    admin = User.objects.create_superuser("root", password="x")
    assert len(kind.result_rows(admin, batch)) == 2
