"""The admin: every project model registered and listed for a superuser, nothing deleted,
and staff confined to their jurisdiction."""

from django.contrib.auth import get_user_model
from django.db import connection


def test_admin_lists_every_model_for_a_superuser(world, client):
    from django.contrib import admin as django_admin

    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(admin)
    project_apps = {"org", "ledger", "dispatch", "circulars", "approvals", "audit", "notifications"}
    registered = {
        (m._meta.app_label, m._meta.model_name)
        for m in django_admin.site._registry
        if m._meta.app_label in project_apps
    }
    assert ("ledger", "indicatorrule") in registered and (
        "approvals",
        "approvalrequest",
    ) in registered
    for app_label, model_name in registered:
        assert client.get(f"/admin/{app_label}/{model_name}/").status_code == 200, model_name


def test_every_project_model_is_in_the_admin(db):
    from django.apps import apps
    from django.contrib import admin as django_admin

    missing = [
        m.__name__
        for app in ("org", "ledger", "dispatch", "circulars", "approvals", "audit")
        for m in apps.get_app_config(app).get_models()
        if not m._meta.auto_created and m not in django_admin.site._registry and not m._meta.proxy
    ]
    assert missing == []


def test_nothing_can_be_deleted_in_the_admin(world, client):
    from django.contrib import admin as django_admin
    from django.test import RequestFactory
    from django.urls import get_resolver

    # The URLconf takes the delete permission away (config/urls.py): loaded, as the
    # server loads it before any request (alone, this test would otherwise load none).
    get_resolver().url_patterns  # noqa: B018
    root = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    request = RequestFactory().get("/admin/")
    request.user = root
    for model, model_admin in django_admin.site._registry.items():
        assert not model_admin.has_delete_permission(request), model.__name__


def test_admin_shows_staff_only_their_jurisdiction(world, client):
    world.charlie.is_staff = True
    world.charlie.save()
    from django.contrib.auth.models import Permission

    world.charlie.user_permissions.add(Permission.objects.get(codename="view_cadre"))
    client.force_login(world.charlie)
    page = client.get("/admin/org/cadre/").content.decode()
    assert "张喆" in page
    assert "王堃" not in page
    assert client.get(f"/admin/org/cadre/{world.cadre_a.pk}/change/").status_code in (302, 404)


def test_a_filter_beyond_the_database_s_integers_is_an_invalid_filter_not_a_500(world, client):
    root = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(root)
    for url in (
        "/admin/dispatch/dispatch/?unit=9223372036854775808",
        "/admin/dispatch/dispatch/?training_class=18446744073709551616",
        "/admin/org/cadre/?unit=9223372036854775808",
    ):
        response = client.get(url)
        # PostgreSQL compares the big number and finds nothing; SQLite cannot bind it.
        if connection.vendor == "sqlite":
            assert response.status_code == 302 and response.url.endswith("?e=1"), url
        else:
            assert response.status_code == 200, url


def _cadre_post(cadre, **changes):
    data = {
        "name": cadre.name,
        "gender": cadre.gender,
        "id_number": cadre.id_number,
        "unit": cadre.unit_id,
        "position": cadre.position,
        "rank": cadre.rank,
        "category": cadre.category,
        "managing_org_department": cadre.managing_org_department_id,
        "co_managing_org_department": cadre.co_managing_org_department_id or "",
        "user": cadre.user_id or "",
    }
    data.update(changes)
    return data


def test_the_admin_writes_a_cadre_through_its_service(world, client):
    """A cadre moved to another unit in the admin is moved as by the cadre form: the
    history keeps the old unit (CadreTransfer) and the service's audit event is written."""
    from audit.models import AuditEvent
    from org.models import CadreTransfer

    root = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(root)
    cadre = world.cadre_a
    response = client.post(
        f"/admin/org/cadre/{cadre.pk}/change/", _cadre_post(cadre, unit=world.a1.pk)
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    cadre.refresh_from_db()
    assert cadre.unit == world.a1
    transfer = CadreTransfer.objects.get(cadre=cadre)
    assert (transfer.from_unit, transfer.to_unit) == (world.a, world.a1)
    assert AuditEvent.objects.filter(verb="cadre.update", target_id=str(cadre.pk)).exists()


def test_what_the_unit_service_refuses_the_admin_form_refuses(world, client):
    """A unit bearing an organization department keeps its kind: refused on the admin's
    form beside the field (the service's rule), not a 500 and nothing written."""
    from audit.models import AuditEvent
    from org.models import Unit

    root = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(root)
    unit = world.city_od.unit
    events = AuditEvent.objects.count()
    response = client.post(
        f"/admin/org/unit/{unit.pk}/change/",
        {
            "code": unit.code,
            "name": unit.name,
            "kind": "soe",  # a valid kind, but not for a unit bearing a department
            "parent": unit.parent_id or "",
            "sort_order": unit.sort_order,
        },
    )
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert Unit.objects.get(pk=unit.pk).kind == unit.kind
    assert AuditEvent.objects.count() == events


#: labels that stay as they are written in Chinese text too
UNTRANSLATED_LABELS = {"SHA-256"}
THIRD_PARTY_APPS = {"auth", "axes", "contenttypes", "sessions", "viewflow", "guardian"}


def test_every_admin_model_and_field_is_labelled_in_chinese(db):
    """The admin's column heads and form labels are the models' own: none of ours left
    as the field's English name (保存 pages read 'Request', 'Scope type' otherwise)."""
    import re

    from django.contrib import admin as django_admin
    from django.utils import translation

    chinese = re.compile(r"[\u4e00-\u9fff]")
    english = []
    with translation.override("zh-hans"):
        for model in django_admin.site._registry:
            if model._meta.app_label in THIRD_PARTY_APPS:
                continue
            labels = [model._meta.verbose_name, model._meta.verbose_name_plural]
            labels += [
                field.verbose_name
                for field in model._meta.get_fields()
                if field.concrete and not field.auto_created and not field.primary_key
            ]
            english += [
                f"{model._meta.label}: {label}"
                for label in map(str, labels)
                if not chinese.search(label) and label not in UNTRANSLATED_LABELS
            ]
    assert english == []


def test_the_admin_shows_a_makeups_reason_and_a_tallys_status_by_their_names(world, staff, client):
    import datetime as dt

    from django.utils import translation

    from dispatch.models import DispatchStatus, Makeup
    from tests.factories import training_class
    from tests.flowtools import run_to_absence

    missed = training_class(world.city_od, world.school, dt.date.today() + dt.timedelta(days=20))
    dispatch = run_to_absence(client, world, staff, missed, world.cadre_a)
    assert Makeup.objects.get().reason == "absence"
    client.force_login(get_user_model().objects.create_superuser("root", "r@example.com", "pw"))
    with translation.override("zh-hans"):
        status = str(DispatchStatus(dispatch.status).label)
    page = client.get("/admin/dispatch/makeup/").content.decode()
    assert "无故缺训" in page and ">absence<" not in page
    tally = client.get("/admin/dispatch/dispatchtally/").content.decode()
    assert f">{status}<" in tally and f">{dispatch.status}<" not in tally


def test_the_admin_shows_an_approval_requests_kind_by_its_name(world, staff, client, klass):
    from dispatch.models import Dispatch
    from tests.flowtools import issue_roll_call, process_of, request

    issue_roll_call(client, world, klass, [world.cadre_a])
    request(client, staff.lily, process_of(Dispatch.objects.get(), "DispatchFlow"), "leave")
    client.force_login(get_user_model().objects.create_superuser("root", "r@example.com", "pw"))
    page = client.get("/admin/approvals/approvalrequest/").content.decode()
    assert ">请假<" in page and ">leave<" not in page
    assert 'href="?kind=leave"' in page  # the filter, by the kind's name
    shown = client.get("/admin/approvals/approvalrequest/?kind=leave").content.decode()
    assert world.cadre_a.name in shown
    shown = client.get("/admin/approvals/approvalrequest/?kind=recognition").content.decode()
    assert world.cadre_a.name not in shown


def test_every_permission_is_named_in_chinese(db):
    """Django writes its permissions' names in English when it creates them; the admin
    lists them by their names in the user's language (`core.permission_names`)."""
    import re

    from django.contrib.auth.models import Permission
    from django.utils import translation

    from core.permission_names import permission_name

    with translation.override("zh-hans"):
        names = {
            p.codename: permission_name(p)
            for p in Permission.objects.select_related("content_type")
        }
    english = {
        code: name for code, name in names.items() if re.search(r"(?!API)[A-Za-z]{3,}", name)
    }
    assert english == {}
    assert names["add_cadre"] == "可添加干部" and names["view_process"] == "可查看流程"
    assert names["issue_dispatch"] == "可对本单位及下级单位点名调训、发布通报"


def test_the_account_and_group_pages_list_permissions_by_their_chinese_names(world, client):
    from django.contrib.auth.models import Group, Permission
    from django.utils import translation

    from org.roles import Role

    client.force_login(get_user_model().objects.create_superuser("root", "r@example.com", "pw"))
    group = Group.objects.create(name="审计员")
    for url in (
        f"/admin/auth/user/{world.alice.pk}/change/",
        f"/admin/auth/group/{group.pk}/change/",
    ):
        page = client.get(url).content.decode()
        assert "可添加干部" in page and "Can add cadre" not in page, url
    # the role groups by their roles' names
    page = client.get(f"/admin/auth/user/{world.alice.pk}/change/").content.decode()
    with translation.override("zh-hans"):
        head = f"{Role.DEPARTMENT_HEAD.label}（role:department_head）"
    assert f">{head}</option>" in page and ">role:department_head<" not in page
    assert Permission.objects.get(codename="add_cadre").name == "Can add cadre"  # as stored
    page = client.get("/admin/org/unituserobjectpermission/").content.decode()  # alice's
    assert "可作为单位负责人审批" in page and "Can decide requests" not in page


def test_every_text_of_the_admins_scripts_is_translated(db, client):
    """The admin's scripts (the two-list selector of groups and permissions, the date
    and time pickers) read their texts from /admin/jsi18n/: Django's own zh_Hans
    catalogue lacks some ("Choose all %s"), which locale/…/djangojs.po gives."""
    import json
    import re
    from pathlib import Path

    import django

    scripts = Path(django.__file__).parent / "contrib" / "admin" / "static" / "admin" / "js"
    texts = {
        text
        for script in scripts.rglob("*.js")
        if "vendor" not in script.parts
        for _quote, text in re.findall(r"""\bgettext\((['"])(.+?)\1\)""", script.read_text())
    }
    assert "Choose all %s" in texts and len(texts) > 30
    client.force_login(get_user_model().objects.create_superuser("root", "r@example.com", "pw"))
    served = client.get("/admin/jsi18n/").content.decode()
    catalog = json.loads(re.search(r"const newcatalog = (\{.*?\});", served, re.S).group(1))
    assert sorted(texts - set(catalog)) == []
    assert catalog["Choose all %s"] == "全选%s"
