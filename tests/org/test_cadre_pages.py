"""Pages in Chinese, each filtered by the user's jurisdiction; outsiders are refused."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from org.models import Cadre
from tests.factories import cadre, training_class


def test_the_login_page_is_in_chinese(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert "登录" in response.content.decode()


def test_anonymous_visitors_are_sent_to_login(client, db):
    for url in ["/", "/cadres/", "/units/", "/classes/", "/cadres/1/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/")


def test_logging_in_with_a_password_lands_on_the_role_page(client, world):
    response = client.post(
        "/accounts/login/", {"username": "alice", "password": "pw-alice"}, follow=True
    )
    page = response.content.decode()
    assert "单位负责人" in page
    assert "请假、缓训和免训" in page


@pytest.mark.parametrize(
    "who, heading",
    [
        ("alice", "单位负责人"),
        ("bob", "调训专员"),
        ("dave", "学员"),
        ("rita", "培训机构教务"),
    ],
)
def test_each_role_has_its_landing_page(world, login, who, heading):
    page = login(getattr(world, who)).get("/").content.decode()
    assert f"<h2>{heading}</h2>" in page


def test_a_trainee_sees_a_masked_id_number(world, login):
    page = login(world.dave).get("/").content.decode()
    assert world.cadre_a.masked_id_number in page
    assert world.cadre_a.id_number not in page


def test_the_cadre_list_shows_only_the_jurisdiction(world, login):
    page = login(world.alice).get("/cadres/").content.decode()
    assert "王堃" in page and "李玥" in page
    assert "张喆" not in page


def test_an_outsider_gets_404_for_a_cadre(world, login):
    assert login(world.charlie).get(f"/cadres/{world.cadre_a.pk}/").status_code == 404
    assert login(world.alice).get(f"/cadres/{world.cadre_b.pk}/").status_code == 404
    assert login(world.alice).get(f"/cadres/{world.cadre_b.pk}/edit/").status_code == 404
    assert login(world.alice).get(f"/cadres/?unit={world.b.pk}").status_code == 404


def test_an_insider_sees_the_cadre(world, login):
    response = login(world.bob).get(f"/cadres/{world.cadre_b.pk}/")
    assert response.status_code == 200
    assert "张喆" in response.content.decode()


def test_users_without_a_role_are_refused_the_lists(world, login):
    client = login(world.nobody)
    for url in ["/cadres/", "/units/", "/classes/", "/cadres/new/", "/classes/new/"]:
        assert client.get(url).status_code == 403, url


def test_a_department_head_cannot_create_classes(world, login):
    assert login(world.alice).get("/classes/new/").status_code == 403


def test_class_pages_follow_the_jurisdiction(world, login):
    start = dt.date.today() + dt.timedelta(days=20)
    city_class = training_class(world.city_od, world.school, start, name="全市专题班")
    assert login(world.bob).get(f"/classes/{city_class.pk}/").status_code == 200
    assert login(world.carol).get(f"/classes/{city_class.pk}/").status_code == 404
    assert "全市专题班" not in login(world.carol).get("/classes/").content.decode()


def test_the_unit_list_follows_the_jurisdiction(world, login):
    page = login(world.carol).get("/units/").content.decode()
    assert "某县公安局" in page
    assert "某市发展和改革委员会" not in page


def test_a_liaison_registers_a_cadre_in_their_unit(world, login):
    from tests.factories import id_number, user

    liaison = user("lily", "unit_liaison", world.a)
    response = login(liaison).post(
        "/cadres/new/",
        {
            "name": "孙七",
            "gender": "M",
            "id_number": id_number(male=True),
            "unit": world.a1.pk,
            "position": "科员",
            "category": "civil_servant",
            "managing_org_department": world.city_od.pk,
        },
    )
    assert response.status_code == 302
    created = Cadre.objects.get(name="孙七")
    assert created.unit == world.a1


def test_a_liaison_cannot_register_a_cadre_outside_their_unit(world, login):
    from tests.factories import id_number, user

    liaison = user("lily", "unit_liaison", world.a)
    response = login(liaison).post(
        "/cadres/new/",
        {
            "name": "孙七",
            "gender": "M",
            "id_number": id_number(male=True),
            "unit": world.b.pk,
            "position": "科员",
            "category": "civil_servant",
            "managing_org_department": world.city_od.pk,
        },
    )
    assert response.status_code == 200
    assert not Cadre.objects.filter(name="孙七").exists()


def _cadre_post(world, **overrides):
    from tests.factories import id_number

    data = {
        "name": "孙七",
        "gender": "M",
        "id_number": id_number(male=True),
        "unit": world.a1.pk,
        "position": "科员",
        "category": "civil_servant",
        "managing_org_department": world.city_od.pk,
        "co_managing_org_department": "",
    }
    data.update(overrides)
    return data


def test_a_liaison_cannot_choose_the_departments_of_a_new_cadre(world, login):
    """The reviewer's case: a liaison posted a city cadre managed by the county and
    co-managed by the city. The departments are not the liaison's to choose: the new
    cadre is managed by the department with the narrowest jurisdiction over the unit."""
    from tests.factories import user

    client = login(user("lily", "unit_liaison", world.a))
    page = client.get("/cadres/new/").content.decode()
    assert 'name="managing_org_department"' not in page
    response = client.post(
        "/cadres/new/",
        _cadre_post(
            world,
            managing_org_department=world.county_od.pk,
            co_managing_org_department=world.city_od.pk,
        ),
    )
    assert response.status_code == 302
    created = Cadre.objects.get(name="孙七")
    assert created.managing_org_department == world.city_od
    assert created.co_managing_org_department is None


def test_a_liaison_keeps_the_departments_of_a_cadre_they_edit(world, login):
    from tests.factories import user

    client = login(user("lily", "unit_liaison", world.a))
    cadre_a = world.cadre_a
    data = _cadre_post(
        world,
        name=cadre_a.name,
        id_number=cadre_a.id_number,
        unit=cadre_a.unit_id,
        position="副科长",
        managing_org_department=world.county_od.pk,
        co_managing_org_department=world.county_od.pk,
    )
    page = client.get(f"/cadres/{cadre_a.pk}/edit/").content.decode()
    assert "只有调训专员可以更改" in page
    response = client.post(f"/cadres/{cadre_a.pk}/edit/", data)
    assert response.status_code == 302
    cadre_a.refresh_from_db()
    assert cadre_a.position == "副科长"
    assert cadre_a.managing_org_department == world.city_od
    assert cadre_a.co_managing_org_department is None


def test_a_dispatcher_cannot_give_a_cadre_a_department_without_jurisdiction(world, login):
    client = login(world.bob)
    response = client.post(
        "/cadres/new/", _cadre_post(world, managing_org_department=world.county_od.pk)
    )
    assert response.status_code == 200
    assert "不在其管辖范围" in response.content.decode()
    assert not Cadre.objects.filter(name="孙七").exists()


def test_the_city_dispatcher_may_name_the_county_as_co_managing(world, login):
    # Dual management may cross jurisdictions: the city cadre co-managed by the county.
    client = login(world.bob)
    response = client.post(
        "/cadres/new/", _cadre_post(world, co_managing_org_department=world.county_od.pk)
    )
    assert response.status_code == 302
    created = Cadre.objects.get(name="孙七")
    assert (created.managing_org_department, created.co_managing_org_department) == (
        world.city_od,
        world.county_od,
    )


def test_a_county_dispatcher_chooses_only_departments_in_reach(world, login):
    client = login(world.carol)
    form = client.get("/cadres/new/").context["form"]
    assert list(form.fields["managing_org_department"].queryset) == [world.county_od]
    assert list(form.fields["co_managing_org_department"].queryset) == [world.county_od]
    response = client.post(
        "/cadres/new/",
        _cadre_post(
            world,
            unit=world.b.pk,
            managing_org_department=world.county_od.pk,
            co_managing_org_department=world.city_od.pk,
        ),
    )
    assert response.status_code == 200
    assert "co_managing_org_department" in response.context["form"].errors
    assert not Cadre.objects.filter(name="孙七").exists()


def test_a_county_dispatcher_keeps_a_city_co_managing_department(world, login):
    cadre_b = world.cadre_b  # county cadre, co-managed by the city
    client = login(world.carol)
    data = _cadre_post(
        world,
        name=cadre_b.name,
        id_number=cadre_b.id_number,
        unit=cadre_b.unit_id,
        position="副局长",
        managing_org_department=world.county_od.pk,
        co_managing_org_department=world.city_od.pk,
    )
    assert client.post(f"/cadres/{cadre_b.pk}/edit/", data).status_code == 302
    cadre_b.refresh_from_db()
    assert (cadre_b.position, cadre_b.co_managing_org_department) == ("副局长", world.city_od)


def test_only_dispatchers_and_liaisons_open_the_cadre_form(world, login):
    from tests.factories import user

    auditor = user("audrey", "auditor", world.root)
    for person in (auditor, world.alice):
        client = login(person)
        assert client.get("/cadres/new/").status_code == 403
        assert client.post("/cadres/new/", _cadre_post(world)).status_code == 403
        assert client.get(f"/cadres/{world.cadre_a.pk}/edit/").status_code == 403
    assert not Cadre.objects.filter(name="孙七").exists()
    assert login(world.bob).get("/cadres/new/").status_code == 200


def test_a_nineteen_character_id_number_is_named(world, login):
    client = login(world.bob)
    response = client.post("/cadres/new/", _cadre_post(world, id_number="1101051949123100211"))
    assert response.status_code == 200
    errors = response.context["form"].errors["id_number"]
    assert errors == ["身份证号码应为18位，当前为19位。"]


def test_a_dispatcher_creates_a_class_and_sees_chinese_errors(world, login):
    client = login(world.bob)
    start = dt.date.today() + dt.timedelta(days=40)
    data = {
        "name": "新班次",
        "institution": world.school.pk,
        "organizer": world.city_od.pk,
        "kind": "main",
        "start_date": start,
        "end_date": start - dt.timedelta(days=1),
        "report_date": start,
        "location": "党校",
        "credit_hours": "40",
        "days": 5,
        "quota": 20,
    }
    response = client.post("/classes/new/", data)
    assert "结束日期不能早于开始日期" in response.content.decode()
    data["end_date"] = start + dt.timedelta(days=4)
    response = client.post("/classes/new/", data)
    assert response.status_code == 302


def test_the_county_dispatcher_cannot_organize_for_the_city(world, login):
    start = dt.date.today() + dt.timedelta(days=40)
    data = {
        "name": "越权班次",
        "institution": world.school.pk,
        "organizer": world.city_od.pk,
        "kind": "main",
        "start_date": start,
        "end_date": start + dt.timedelta(days=4),
        "report_date": start,
        "location": "党校",
        "credit_hours": "40",
        "days": 5,
        "quota": 20,
    }
    response = login(world.carol).post("/classes/new/", data)
    assert response.status_code == 200
    assert "organizer" in response.context["form"].errors


def test_the_cadre_list_query_count_is_flat(world, login, django_assert_max_num_queries):
    client = login(world.bob)
    with django_assert_max_num_queries(12):
        client.get("/cadres/")
    for i in range(40):
        cadre(f"干部{i}", world.a1 if i % 2 else world.b, world.city_od)
    with django_assert_max_num_queries(12):
        response = client.get("/cadres/")
    assert "干部39" in response.content.decode()


def test_the_class_list_query_count_is_flat(world, login, django_assert_max_num_queries):
    client = login(world.bob)
    start = dt.date.today() + dt.timedelta(days=20)
    for i in range(30):
        training_class(world.city_od, world.school, start + dt.timedelta(days=i))
    with django_assert_max_num_queries(12):
        assert client.get("/classes/").status_code == 200


def test_the_workflow_frontend_is_mounted_and_filtered(world, login):
    start = dt.date.today() + dt.timedelta(days=20)
    city_class = training_class(world.city_od, world.school, start, name="全市专题班")
    response = login(world.bob).get("/workflow/catalog/trainingclass/")
    assert response.status_code == 200
    assert "全市专题班" in response.content.decode()
    assert login(world.carol).get(
        f"/workflow/catalog/trainingclass/{city_class.pk}/detail/"
    ).status_code in (403, 404)
    assert login(world.nobody).get("/workflow/catalog/trainingclass/").status_code in (403, 404)


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


def test_revising_a_rule_in_the_admin_creates_a_new_version(world, client):
    import datetime as dt

    from ledger.models import IndicatorRule

    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(admin)
    rule = IndicatorRule.objects.get(code="b-concentrated", version=1)
    response = client.post(
        f"/admin/ledger/indicatorrule/{rule.pk}/change/",
        {
            "code": rule.code,
            "group": "B",
            "kind": "concentrated",
            "window": "calendar_year",
            "min_hours": "100",
            "alt_min_days": "12",
            "hours_per_day": "8",
            "effective_from": "2027-01-01",
            "description": rule.description,
        },
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.min_hours == 90 and rule.effective_to == dt.date(2026, 12, 31)
    revision = IndicatorRule.objects.get(code="b-concentrated", version=2)
    assert revision.min_hours == 100 and revision.supersedes == rule
    # The old version is history now: it can no longer be changed.
    assert client.get(f"/admin/ledger/indicatorrule/{rule.pk}/change/").status_code == 200
    assert client.post(f"/admin/ledger/indicatorrule/{rule.pk}/change/", {}).status_code == 403


def test_dispatch_pages_refuse_users_without_a_role(world, login):
    client = login(world.nobody)
    for url in ["/rollcalls/", "/dispatches/", "/dispatches/overdue/"]:
        assert client.get(url).status_code == 403, url


def test_dispatch_list_query_count_is_flat(world, login, django_assert_max_num_queries):
    from django.utils import timezone

    from dispatch import services
    from dispatch.models import RollCall

    klass = training_class(
        world.city_od, world.school, dt.date.today() + dt.timedelta(days=30), quota=50
    )
    roll_call = RollCall.objects.create(
        training_class=klass,
        org_department=world.city_od,
        mode="named",
        response_deadline=timezone.now() + dt.timedelta(days=5),
        created_by=world.bob,
    )
    client = login(world.bob)
    services.dispatches_create(actor=world.bob, roll_call=roll_call, cadres=[world.cadre_a])
    with django_assert_max_num_queries(10):
        assert client.get("/dispatches/").status_code == 200
    more = [cadre(f"干部{i}", world.a1, world.city_od) for i in range(30)]
    services.dispatches_create(actor=world.bob, roll_call=roll_call, cadres=more)
    with django_assert_max_num_queries(10):
        response = client.get("/dispatches/")
    assert "干部29" in response.content.decode()
    with django_assert_max_num_queries(10):
        assert client.get("/rollcalls/").status_code == 200


def test_the_interface_is_chinese_whatever_the_browser_asks(world, client):
    client.force_login(world.alice)
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "单位负责人" in page and "Department head" not in page
    queue = client.get("/workflow/dispatch/queue/", HTTP_ACCEPT_LANGUAGE="en-US").content.decode()
    assert "Queue" not in queue


def test_nothing_can_be_deleted_in_the_admin(world, client):
    from django.contrib import admin as django_admin
    from django.test import RequestFactory

    root = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    request = RequestFactory().get("/admin/")
    request.user = root
    for model, model_admin in django_admin.site._registry.items():
        assert not model_admin.has_delete_permission(request), model.__name__
