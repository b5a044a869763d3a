"""Data the org tests share: a cadre form's fields."""

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
