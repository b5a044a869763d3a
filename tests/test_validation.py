"""Bad input is refused with a clear Chinese message in forms and admin, and by the
database where it can hold the rule."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from dispatch.forms import CadreForm, TrainingClassForm
from dispatch.models import Cadre, TrainingClass
from tests.factories import id_number


def cadre_data(world, **overrides):
    data = {
        "name": "赵六",
        "gender": "M",
        "id_number": id_number(male=True),
        "unit": world.a.pk,
        "position": "科员",
        "rank": "一级科员",
        "category": "civil_servant",
        "managing_org_department": world.city_od.pk,
        "co_managing_org_department": "",
    }
    data.update(overrides)
    return data


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
        "/admin/dispatch/cadre/add/", cadre_data(world, id_number="110105194912310021")
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
