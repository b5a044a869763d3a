"""The accounts import takes roles away (org.imports_accounts): the units a file lists for
an account's role are all the units it serves in that role within the importer's reach,
so a unit of the reach no longer listed loses the role (itemised as revoked on the
preview, `org.services.role_revoke` on commit, audited, the reach cache forgotten). Units
outside the reach, roles the file does not name and department roles the importer could
not give are left alone. The 状态 column deactivates an account (never deletes it)."""

import pytest
from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from viewflow.workflow.status import STATUS

from audit.models import AuditEvent
from imports.kinds import Action, registry
from imports.models import ImportRow
from org import reachcache, services
from org.models import UnitUserObjectPermission
from org.roles import Role, roles_of
from org.selectors import units_in_reach
from tests.dispatch.import_kit import actions, check, commit, errors_by_line, preview
from tests.factories import user
from tests.flowtools import issue_roll_call, open_task, process_of, task_url

pytestmark = pytest.mark.django_db
User = get_user_model()


def row(username, role="单位联络员", unit="", full_name="张伟", **fields):
    return {"username": username, "full_name": full_name, "role": role, "unit": unit, **fields}


def reaches(person, codename, unit) -> bool:
    return units_in_reach(person, codename).filter(pk=unit.pk).exists()


def granted(person, unit) -> bool:
    """`person` holds a grant on `unit` itself."""
    return UnitUserObjectPermission.objects.filter(user=person, content_object=unit).exists()


def revoked(outcome) -> list[str]:
    return [old for label, old, new in outcome.changes if label == _("Revoked") and not new]


def test_moving_a_liaison_takes_the_old_unit_away(world, client, media):
    mover = user("mover", "unit_liaison", world.a, first_name="张伟")
    client.force_login(mover)
    page = f"/cadres/{world.cadre_a.pk}/"
    assert client.get(page).status_code == 200
    rows = [row("mover", unit=world.b.code)]

    batch = preview(registry.get("accounts"), world.bob, rows)
    assert (batch.rows_create, batch.rows_update, batch.rows_error) == (0, 1, 0)
    [stored] = ImportRow.objects.filter(batch=batch)
    label = f"{Role.UNIT_LIAISON.label}（{world.a.name}）"
    assert [_("Revoked"), label, ""] in stored.changes

    with reachcache.scope():  # one request: what it remembered is forgotten
        assert reaches(mover, "act_as_liaison", world.a)
        assert actions(commit("accounts", world.bob, rows)) == [Action.UPDATE]
        assert not reaches(mover, "act_as_liaison", world.a)
        assert not reaches(mover, "read_scope", world.a)
        assert reaches(mover, "act_as_liaison", world.b)
    assert roles_of(mover) == [Role.UNIT_LIAISON]
    event = AuditEvent.objects.get(verb="role.revoke")
    assert (event.actor, event.target_id) == (world.bob, str(mover.pk))
    assert event.before["role"] == "unit_liaison" and event.before["unit"] == world.a.pk
    assert client.get(page).status_code in (403, 404)

    # The same file again changes nothing.
    events = AuditEvent.objects.count()
    assert actions(commit("accounts", world.bob, rows)) == [Action.UNCHANGED]
    assert AuditEvent.objects.count() == events


def claimed_confirmation(client, world, klass, liaison):
    """A roll call names unit A's cadre; A's liaison claims the confirmation task."""
    from dispatch.models import Dispatch

    issue_roll_call(client, world, klass, [world.cadre_a])
    task = open_task(process_of(Dispatch.objects.get(), "DispatchFlow"), "confirm")
    client.force_login(liaison)
    assert client.post(task_url(task, "assign")).status_code == 302
    task.refresh_from_db()
    assert (task.status, task.owner) == (STATUS.ASSIGNED, liaison)
    return task


@pytest.mark.parametrize(
    "change, reason",
    [({"unit": "b"}, "role_revoked"), ({"status": "停用"}, "account_deactivated")],
)
def test_a_claimed_task_goes_back_to_the_queue(world, staff, klass, client, change, reason):
    task = claimed_confirmation(client, world, klass, staff.lily)
    User.objects.filter(pk=staff.lily.pk).update(first_name="张伟")
    unit = world.b if change.get("unit") else world.a
    rows = [row("lily", unit=unit.code, status=change.get("status", ""))]
    commit("accounts", world.bob, rows)
    task.refresh_from_db()
    assert (task.status, task.owner_id) == (STATUS.NEW, None)
    event = AuditEvent.objects.get(verb="task.release")
    assert (event.actor, event.note, event.before["owner"]) == (world.bob, reason, staff.lily.pk)


def test_a_claimed_task_the_owner_may_still_do_stays_claimed(world, staff, klass, client):
    """Lily, liaison of A, becomes liaison of the whole city: A's own grant goes, but the
    task she claimed there is still hers to do (the city's root reaches A)."""
    task = claimed_confirmation(client, world, klass, staff.lily)
    User.objects.filter(pk=staff.lily.pk).update(first_name="张伟")
    [outcome] = commit("accounts", world.bob, [row("lily", unit=world.root.code)])
    assert revoked(outcome) == [f"{Role.UNIT_LIAISON.label}（{world.a.name}）"]
    task.refresh_from_db()
    assert (task.status, task.owner) == (STATUS.ASSIGNED, staff.lily)
    assert not AuditEvent.objects.filter(verb="task.release").exists()


def test_a_unit_outside_the_importers_reach_is_kept(world):
    both = user("both", "unit_liaison", world.a, first_name="张伟")
    services.role_grant(actor=None, user=both, role="unit_liaison", unit=world.b)
    services.role_grant(actor=None, user=both, role="unit_liaison", unit=world.county_od_unit)
    # Carol reaches the county (B, its organization department), not the city's unit A:
    # she may not give "both" a role (test_import_accounts_reach), but takes B's away.
    rows = [row("both", unit=world.county_od_unit.code)]
    [outcome] = check("accounts", world.carol, rows)
    assert outcome.action == Action.UPDATE
    assert revoked(outcome) == [f"{Role.UNIT_LIAISON.label}（{world.b.name}）"]
    commit("accounts", world.carol, rows)
    assert reaches(both, "act_as_liaison", world.a)
    assert not reaches(both, "act_as_liaison", world.b)
    assert reaches(both, "act_as_liaison", world.county_od_unit)
    assert [e.before["unit"] for e in AuditEvent.objects.filter(verb="role.revoke")] == [world.b.pk]


def test_a_role_the_file_does_not_name_is_kept(world):
    person = user("two.roles", "unit_liaison", world.a, first_name="张伟")
    services.role_grant(actor=None, user=person, role="department_head", unit=world.a)
    outcomes = commit("accounts", world.bob, [row("two.roles", unit=world.a1.code)])
    assert revoked(outcomes[0]) == [f"{Role.UNIT_LIAISON.label}（{world.a.name}）"]
    assert set(roles_of(person)) == {Role.UNIT_LIAISON, Role.DEPARTMENT_HEAD}
    assert reaches(person, "approve_as_head", world.a)
    assert reaches(person, "read_scope", world.a)  # the head's, kept
    assert not reaches(person, "act_as_liaison", world.a)
    assert reaches(person, "act_as_liaison", world.a1)


def test_a_role_the_file_gives_on_the_same_unit_keeps_its_permissions(world):
    """Liaison and deputy head of A (read_scope alone reads as no role beside the
    liaison's grant); the file keeps the deputy on A and moves the liaison to A1."""
    person = user("deputy", "unit_liaison", world.a, first_name="张伟")
    services.role_grant(actor=None, user=person, role="deputy_head", unit=world.a)
    rows = [row("deputy", role="deputy_head", unit=world.a.code), row("deputy", unit=world.a1.code)]
    assert actions(commit("accounts", world.bob, rows)) == [Action.UNCHANGED, Action.UPDATE]
    assert reaches(person, "read_scope", world.a)
    assert not reaches(person, "act_as_liaison", world.a)
    assert set(roles_of(person)) == {Role.UNIT_LIAISON, Role.DEPUTY_HEAD}


def test_a_department_role_is_taken_away_only_where_the_importer_could_give_it(world):
    """Cody is a dispatcher of the county's own department (Carol may not name one there)
    and of unit B; Carol's file names him dispatcher of the county's organization
    department unit only: B's grant goes, the county's stays."""
    cody = user("cody", "dispatcher", world.county, first_name="张伟")
    services.role_grant(actor=None, user=cody, role="dispatcher", unit=world.b)
    services.role_grant(actor=None, user=cody, role="dispatcher", unit=world.county_od_unit)
    rows = [row("cody", role="dispatcher", unit=world.county_od_unit.code)]
    [outcome] = commit("accounts", world.carol, rows)
    assert revoked(outcome) == [f"{Role.DISPATCHER.label}（{world.b.name}）"]
    assert reaches(cody, "issue_dispatch", world.county)
    assert not granted(cody, world.b)
    assert granted(cody, world.county_od_unit)


def test_the_status_column_deactivates_and_activates_an_account(world):
    person = user("leaver", "unit_liaison", world.a, first_name="张伟")
    [outcome] = commit("accounts", world.bob, [row("leaver", unit=world.a.code, status="停用")])
    assert outcome.action == Action.UPDATE
    assert [str(c) for c in outcome.changes[0]] == [_("Status"), "启用", "停用"]
    person.refresh_from_db()
    assert not person.is_active and User.objects.filter(pk=person.pk).exists()
    assert granted(person, world.a)  # the roles stay
    event = AuditEvent.objects.get(verb="account.deactivate")
    assert (event.before, event.after) == ({"is_active": True}, {"is_active": False})
    # Empty leaves it as it is; 启用 activates it again.
    assert actions(commit("accounts", world.bob, [row("leaver", unit=world.a.code)])) == [
        Action.UNCHANGED
    ]
    commit("accounts", world.bob, [row("leaver", unit=world.a.code, status="启用")])
    person.refresh_from_db()
    assert person.is_active
    assert AuditEvent.objects.filter(verb="account.activate").count() == 1


def test_status_errors(world):
    user("city.liaison", "unit_liaison", world.a, first_name="张伟")
    user("county.liaison", "unit_liaison", world.b, first_name="张伟")
    admin = User.objects.create_superuser("root", password="x", first_name="张伟")
    outcomes = check(
        "accounts",
        world.carol,
        [
            row("county.liaison", unit=world.b.code, status="离职"),  # 2: unknown status
            row("city.liaison", unit=world.b.code, status="停用"),  # 3: not Carol's to manage
            row("county.liaison", role="单位负责人", unit=world.b.code, status="停用"),  # 4
        ],
    )
    errors = errors_by_line(outcomes)
    assert sorted(errors) == [2, 3, 4]
    assert "离职" in errors[2][0]
    assert "city.liaison" in errors[3][0]
    assert "2" in errors[4][0]  # the status differs from line 2
    [own] = check("accounts", admin, [row("root", unit=world.a.code, status="停用")])
    assert own.action == Action.ERROR


def test_the_template_says_what_the_file_takes_away(world):
    import io

    from openpyxl import load_workbook

    from imports import workbooks

    kind = registry.get("accounts")
    book = load_workbook(io.BytesIO(workbooks.template_xlsx(kind)))
    data, notes = book.worksheets
    assert str(kind.columns[-1].header) in [cell.value for cell in data[1]]
    texts = [cell.value for line in notes.iter_rows() for cell in line if cell.value]
    assert str(kind.description) in texts
