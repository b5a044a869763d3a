"""Training class pages: created by the dispatchers of the organizing department with
Chinese errors, seen within the jurisdiction only, listed at a flat cost."""

import datetime as dt

from tests.factories import training_class


def test_a_department_head_cannot_create_classes(world, login):
    assert login(world.alice).get("/classes/new/").status_code == 403


def test_class_pages_follow_the_jurisdiction(world, login):
    start = dt.date.today() + dt.timedelta(days=20)
    city_class = training_class(world.city_od, world.school, start, name="全市专题班")
    assert login(world.bob).get(f"/classes/{city_class.pk}/").status_code == 200
    assert login(world.carol).get(f"/classes/{city_class.pk}/").status_code == 404
    assert "全市专题班" not in login(world.carol).get("/classes/").content.decode()


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


def test_out_of_bounds_fields_are_refused_in_the_class_rules_words(world, login):
    start = dt.date.today() + dt.timedelta(days=40)
    data = {
        "name": "班" * 300,
        "institution": world.school.pk,
        "organizer": world.city_od.pk,
        "kind": "main",
        "start_date": start,
        "end_date": start + dt.timedelta(days=4),
        "report_date": start,
        "location": "党校",
        "credit_hours": "99999999",
        "days": 5,
        "quota": -1,
    }
    response = login(world.bob).post("/classes/new/", data)
    errors = {name: " ".join(e) for name, e in response.context["form"].errors.items()}
    assert errors["quota"] == "名额须在 1 至 10000 人之间。"
    assert errors["credit_hours"] == "学时须为小于100000的数，最多保留一位小数。"
    assert errors["name"] == "最多128个字（现为300个）。"


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
    assert (
        login(world.carol)
        .get(f"/workflow/catalog/trainingclass/{city_class.pk}/detail/")
        .status_code
        == 404
    )  # a class out of reach
    assert login(world.nobody).get("/workflow/catalog/trainingclass/").status_code == 403
