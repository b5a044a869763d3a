"""Accounts and role groups changed in the admin are audited (never with the password's
hash), a deactivation there hands the account's claimed tasks back to the queue as the
account service does, and Viewflow's own process and task admin only shows."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from viewflow.workflow.status import STATUS

from audit.models import AuditEvent
from dispatch.models import Dispatch
from tests.flowtools import issue_roll_call, open_task, process_of, task_url


def _change_data(client, user, **changes):
    """The admin's change form of `user` as it comes, with `changes`."""
    form = client.get(f"/admin/auth/user/{user.pk}/change/").context["adminform"].form
    data = {}
    for name in form.fields:
        value = form.initial.get(name)
        if value is None or name == "password":
            continue
        if name in ("groups", "user_permissions"):
            data[name] = [getattr(v, "pk", v) for v in value]
        elif name in ("last_login", "date_joined"):
            data[f"{name}_0"], data[f"{name}_1"] = f"{value:%Y-%m-%d}", f"{value:%H:%M:%S}"
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = value
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _root(client):
    root = get_user_model().objects.create_superuser("root", "root@example.com", "Xundiao@2026")
    client.force_login(root)
    return root


def test_an_admin_deactivation_is_audited_and_hands_back_the_claimed_tasks(
    world, staff, klass, client
):
    issue_roll_call(client, world, klass, [world.cadre_a])
    task = open_task(process_of(Dispatch.objects.get(), "DispatchFlow"), "confirm")
    client.force_login(staff.lily)
    assert client.post(task_url(task, "assign")).status_code == 302
    _root(client)
    data = _change_data(client, staff.lily, is_active=None)  # unticked
    assert client.post(f"/admin/auth/user/{staff.lily.pk}/change/", data).status_code == 302
    staff.lily.refresh_from_db()
    task.refresh_from_db()
    assert not staff.lily.is_active
    assert task.status == STATUS.NEW and task.owner is None  # back in the queue
    verbs = set(
        AuditEvent.objects.filter(target_id=str(staff.lily.pk)).values_list("verb", flat=True)
    )
    assert {"account.deactivate", "admin.user.update"} <= verbs


def test_an_admin_grant_of_a_group_is_audited_without_the_password(world, staff, client):
    _root(client)
    group = Group.objects.create(name="role:auditor-extra")
    data = _change_data(client, staff.lily)
    data["groups"] = [*data.get("groups", []), group.pk]
    data["is_superuser"] = "on"
    assert client.post(f"/admin/auth/user/{staff.lily.pk}/change/", data).status_code == 302
    event = AuditEvent.objects.get(verb="admin.user.update", target_id=str(staff.lily.pk))
    assert group.name not in event.before["groups"] and group.name in event.after["groups"]
    assert event.before["is_superuser"] is False and event.after["is_superuser"] is True
    staff.lily.refresh_from_db()
    assert staff.lily.password[:20] not in str(event.before) + str(event.after)


def test_an_admin_grant_of_a_global_permission_is_audited(world, staff, client):
    """A permission given to the account itself (the user form's 用户权限) is in the
    event's before and after: the change is not an event that shows none."""
    _root(client)
    permission = Permission.objects.get(codename="view_auditevent")
    data = _change_data(client, staff.lily)
    data["user_permissions"] = [*data.get("user_permissions", []), permission.pk]
    assert client.post(f"/admin/auth/user/{staff.lily.pk}/change/", data).status_code == 302
    event = AuditEvent.objects.get(verb="admin.user.update", target_id=str(staff.lily.pk))
    assert "audit.view_auditevent" not in event.before["user_permissions"]
    assert "audit.view_auditevent" in event.after["user_permissions"]


def test_viewflows_process_and_task_admin_only_show(world, staff, klass, client):
    issue_roll_call(client, world, klass, [world.cadre_a])
    process = process_of(Dispatch.objects.get(), "DispatchFlow")
    task = open_task(process, "confirm")
    _root(client)
    assert client.get(f"/admin/viewflow/task/{task.pk}/change/").status_code == 200
    before = (task.owner_permission, task.status)
    response = client.post(
        f"/admin/viewflow/task/{task.pk}/change/",
        {"owner_permission": "org.read_scope", "status": "CANCELED"},
    )
    assert response.status_code == 403
    task.refresh_from_db()
    assert (task.owner_permission, task.status) == before
    # Viewflow's manage actions (cancel a process …) are nobody's, administrators included.
    response = client.post(f"/workflow/dispatch/{process.pk}/cancel/", {"_cancel_process": "1"})
    assert response.status_code in (403, 404)
    process.refresh_from_db()
    assert process.status == "NEW"


def test_an_admin_change_of_a_groups_permissions_is_audited(world, client):
    _root(client)
    group = Group.objects.create(name="role:extra")
    permission = Permission.objects.get(codename="issue_dispatch")
    response = client.post(
        f"/admin/auth/group/{group.pk}/change/",
        {"name": "role:extra", "permissions": [permission.pk]},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(verb="admin.group.update", target_id=str(group.pk))
    assert event.before["permissions"] == []
    assert event.after["permissions"] == ["org.issue_dispatch"]
