"""The organization department's admin page asks the import's rules: a jurisdiction
moves only where it still holds every cadre the department manages, and a staff user
who is no superuser picks units of their own jurisdiction only. Refused, nothing
changes."""

from django.contrib.auth.models import Permission

from audit.models import AuditEvent
from org.models import OrgDepartment


def change_url(department) -> str:
    return f"/admin/org/orgdepartment/{department.pk}/change/"


def post(client, department, **changes):
    page = client.get(change_url(department))
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {name: form.initial.get(name) for name in form.fields if name != "seal"}
    data = {k: getattr(v, "pk", v) for k, v in data.items() if v is not None}
    data.update(changes)
    return client.post(change_url(department), data)


def test_a_jurisdiction_that_would_lose_managed_cadres_is_refused(world, admin_client):
    events = AuditEvent.objects.count()
    response = post(admin_client, world.city_od, jurisdiction=world.county.pk)
    assert response.status_code == 200
    [message] = response.context["adminform"].form.errors["jurisdiction"]
    assert message.startswith("中共某市委组织部主管的 2 名干部不在新的管辖范围（中共某县委）内")
    world.city_od.refresh_from_db()
    assert world.city_od.jurisdiction == world.root
    assert AuditEvent.objects.count() == events


def test_a_jurisdiction_that_keeps_every_managed_cadre_is_saved(world, admin_client):
    response = post(admin_client, world.county_od, jurisdiction=world.root.pk)
    assert response.status_code == 302, response.context["adminform"].form.errors
    world.county_od.refresh_from_db()
    assert world.county_od.jurisdiction == world.root


def test_a_staff_dispatcher_picks_units_of_their_own_jurisdiction_only(world, client):
    world.carol.is_staff = True
    world.carol.save(update_fields=["is_staff"])
    world.carol.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_orgdepartment", "change_orgdepartment", "view_unit"]
        )
    )
    client.force_login(world.carol)
    response = post(client, world.county_od, jurisdiction=world.root.pk)
    assert response.status_code == 200
    [message] = response.context["adminform"].form.errors["jurisdiction"]
    assert world.root.name in message
    assert OrgDepartment.objects.get(pk=world.county_od.pk).jurisdiction == world.county
