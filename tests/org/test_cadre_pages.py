"""The cadre pages: the list and each cadre within the user's jurisdiction only (404
outside it), the form for dispatchers and liaisons only, and the managing departments
chosen only by those who may."""

from org.models import Cadre
from tests.factories import cadre


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


def test_the_cadre_list_query_count_is_flat(world, login, django_assert_max_num_queries):
    client = login(world.bob)
    with django_assert_max_num_queries(12):
        client.get("/cadres/")
    for i in range(40):
        cadre(f"干部{i}", world.a1 if i % 2 else world.b, world.city_od)
    with django_assert_max_num_queries(12):
        response = client.get("/cadres/")
    assert "干部39" in response.content.decode()
