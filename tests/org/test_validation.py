"""Bad input is refused with a clear Chinese message in forms and admin, and by the
database where it can hold the rule."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from dispatch.forms import TrainingClassForm
from dispatch.models import TrainingClass
from org.forms import CadreForm
from org.models import Cadre
from tests.factories import id_number
from tests.org.kit import cadre_data


def class_data(world, **overrides):
    start = dt.date.today() + dt.timedelta(days=30)
    data = {
        "name": "专题培训班",
        "institution": world.school.pk,
        "organizer": world.city_od.pk,
        "kind": "thematic",
        "start_date": start,
        "end_date": start + dt.timedelta(days=4),
        "report_date": start,
        "location": "党校",
        "credit_hours": "40",
        "days": 5,
        "quota": 30,
    }
    data.update(overrides)
    return data


def test_a_valid_cadre_form_saves(world):
    form = CadreForm(data=cadre_data(world))
    assert form.is_valid(), form.errors
    assert form.save().unit == world.a


@pytest.mark.parametrize(
    "bad, message",
    [
        ("110105194912310021", "校验位"),
        ("11010519491231002", "18"),
        ("110105194902300028", "出生日期"),
    ],
)
def test_the_cadre_form_refuses_bad_id_numbers(world, bad, message):
    form = CadreForm(data=cadre_data(world, id_number=bad))
    assert not form.is_valid()
    assert message in form.errors["id_number"][0]


def test_the_cadre_form_refuses_the_same_department_twice(world):
    form = CadreForm(data=cadre_data(world, co_managing_org_department=world.city_od.pk))
    assert not form.is_valid()
    assert "不能与主管组织部门相同" in form.errors["co_managing_org_department"][0]


def test_the_cadre_form_refuses_a_gender_that_contradicts_the_id_number(world):
    form = CadreForm(data=cadre_data(world, gender="F", id_number=id_number(male=True)))
    assert not form.is_valid()
    assert "性别" in form.errors["gender"][0]


def test_the_database_refuses_the_same_department_twice(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        Cadre.objects.filter(pk=world.cadre_a.pk).update(co_managing_org_department=world.city_od)


def test_the_database_refuses_a_short_id_number(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        Cadre.objects.filter(pk=world.cadre_a.pk).update(id_number="123")


def test_a_class_ending_before_it_starts_is_refused(world):
    start = dt.date.today() + dt.timedelta(days=30)
    form = TrainingClassForm(data=class_data(world, end_date=start - dt.timedelta(days=1)))
    assert not form.is_valid()
    assert "结束日期不能早于开始日期" in form.errors["end_date"][0]


def test_the_database_refuses_a_class_ending_before_it_starts(world):
    start = dt.date.today()
    tc = TrainingClass(
        name="坏班次",
        institution=world.school,
        organizer=world.city_od,
        start_date=start,
        end_date=start - dt.timedelta(days=2),
        report_date=start,
        location="党校",
        credit_hours=10,
        days=1,
        quota=1,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        tc.save()


def test_admin_refuses_a_bad_id_number_in_chinese(world, client):
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(admin)
    response = client.post(
        "/admin/org/cadre/add/", cadre_data(world, id_number="110105194912310021")
    )
    assert response.status_code == 200
    assert "校验位" in response.content.decode()
    assert not Cadre.objects.filter(name="赵六").exists()


def test_admin_refuses_a_class_ending_before_it_starts(world, client):
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(admin)
    start = dt.date.today() + dt.timedelta(days=30)
    data = class_data(world, end_date=start - dt.timedelta(days=3))
    response = client.post("/admin/dispatch/trainingclass/add/", data)
    assert response.status_code == 200
    assert "结束日期不能早于开始日期" in response.content.decode()
    assert not TrainingClass.objects.filter(name="专题培训班").exists()


def test_the_managing_department_must_have_jurisdiction_over_the_unit(world):
    from django.core.exceptions import ValidationError

    from tests.factories import cadre

    stray = Cadre(
        name="钱八",
        gender="M",
        id_number=id_number(male=True),
        unit=world.a,  # a city unit
        position="科员",
        category="civil_servant",
        managing_org_department=world.county_od,  # the county has no say over it
    )
    with pytest.raises(ValidationError) as refused:
        stray.full_clean()
    message = refused.value.message_dict["managing_org_department"][0]
    assert "中共某县委组织部" in message and "不在其管辖范围" in message
    # The city's jurisdiction holds the county's units; co-management may cross.
    cadre("孙九", world.b, world.city_od)
    cadre("周十", world.a, world.city_od, co_managing_org_department=world.county_od)


def test_the_cadre_form_refuses_a_managing_department_without_jurisdiction(world):
    form = CadreForm(data=cadre_data(world, managing_org_department=world.county_od.pk))
    assert not form.is_valid()
    assert "不在其管辖范围" in form.errors["managing_org_department"][0]


def test_a_nineteen_character_id_number_gets_a_message_naming_it(world):
    form = CadreForm(data=cadre_data(world, id_number="1101051949123100211"))
    assert not form.is_valid()
    assert form.errors["id_number"] == ["身份证号码应为18位，当前为19位。"]


def _bad_checksum(number):
    wrong = "0" if number[17] != "0" else "1"
    return number[:17] + wrong


def test_the_database_refuses_a_wrong_check_character_on_update(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        Cadre.objects.filter(pk=world.cadre_a.pk).update(
            id_number=_bad_checksum(world.cadre_a.id_number)
        )


@pytest.mark.parametrize(
    "number",
    [
        "110105194912310021",  # wrong check character (11010519491231002X is right)
        "11010519491231002x",  # lower-case x: the application stores X
        "1101051949123A002X",  # a letter among the first 17
    ],
)
def test_the_database_refuses_a_bad_id_number_in_bulk_create(world, number):
    template = world.cadre_a
    bad = Cadre(
        name="吴十一",
        gender="M",
        id_number=number,
        unit=template.unit,
        position="科员",
        category="civil_servant",
        managing_org_department=world.city_od,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Cadre.objects.bulk_create([bad])


def test_the_database_accepts_valid_id_numbers_with_x(world):
    from org import idnumber

    first17 = next(
        f"11010519800517{seq:03d}"
        for seq in range(1, 999, 2)
        if idnumber.check_char(f"11010519800517{seq:03d}") == "X"
    )
    Cadre.objects.filter(pk=world.cadre_a.pk).update(id_number=first17 + "X")
    assert Cadre.objects.filter(id_number=first17 + "X").exists()


def _superuser_client(client):
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(admin)
    return client


def test_admin_refuses_a_unit_placed_under_itself(world, client):
    client = _superuser_client(client)
    unit = world.a
    data = {
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind,
        "parent": unit.pk,
        "sort_order": 0,
    }
    response = client.post(f"/admin/org/unit/{unit.pk}/change/", data)
    assert response.status_code == 200
    assert "单位不能设为自身或其下级单位的下级" in response.content.decode()
    unit.refresh_from_db()
    assert unit.parent == world.root


def test_admin_refuses_the_same_department_twice(world, client):
    client = _superuser_client(client)
    response = client.post(
        "/admin/org/cadre/add/",
        cadre_data(world, co_managing_org_department=world.city_od.pk),
    )
    assert response.status_code == 200
    assert "不能与主管组织部门相同" in response.content.decode()
    assert not Cadre.objects.filter(name="赵六").exists()


def test_admin_links_a_cadre_to_a_user_account_once(world, client):
    client = _superuser_client(client)
    page = client.get("/admin/org/cadre/add/").content.decode()
    assert 'name="user"' in page
    account = get_user_model().objects.create_user("zhaoliu")
    response = client.post("/admin/org/cadre/add/", cadre_data(world, user=account.pk))
    assert response.status_code == 302
    assert Cadre.objects.get(name="赵六").user == account
    # Dave's account already belongs to 王堃.
    response = client.post(
        "/admin/org/cadre/add/", cadre_data(world, name="钱七", user=world.dave.pk)
    )
    assert response.status_code == 200
    assert "用户账号 dave 已关联干部 王堃" in response.content.decode()
    assert not Cadre.objects.filter(name="钱七").exists()
