"""Every parameter and every field in the OpenAPI schema is described in Chinese (the
adoption issue: "OpenAPI 3 schema at /api/v1/schema/ with Chinese descriptions"), so a new
filter, path or serializer field without a description fails here.

Nothing is exempt: the pagination wrappers are our own (`api.pagination.Pages` describes
`count`, `next`, `previous` and `results`). A bare `$ref` property would be passed when
its target is described in Chinese; every property here carries its own description."""

import re

from django.urls import reverse

CJK = re.compile(r"[\u4e00-\u9fff]")


def schema_for(client, user):
    client.force_login(user)
    response = client.get(reverse("api:schema"), HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    return response.json()


def described(node) -> bool:
    return bool(CJK.search(node.get("description") or ""))


def undescribed_properties(where, schema, components):
    """The properties of `schema` (and of the objects nested in it) without a Chinese
    description, as dotted paths."""
    for name, prop in (schema.get("properties") or {}).items():
        path = f"{where}.{name}"
        target = prop.get("$ref")
        if target and described(components[target.rsplit("/", 1)[-1]]):
            continue
        if not described(prop):
            yield path
        yield from undescribed_properties(path, prop, components)
        items = prop.get("items")
        if isinstance(items, dict):
            yield from undescribed_properties(f"{path}[]", items, components)


def test_every_parameter_of_every_operation_is_described_in_chinese(world, client):
    schema = schema_for(client, world.carol)

    missing, count = [], 0
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                count += 1
                if not described(parameter):
                    missing.append(f"{method.upper()} {path} {parameter['in']}:{parameter['name']}")

    assert count > 100  # every list's filters and every {id}, not a schema gone empty
    assert not missing, missing


def test_every_field_of_every_component_is_described_in_chinese(world, client):
    components = schema_for(client, world.carol)["components"]["schemas"]

    missing = [
        path
        for name, component in components.items()
        for path in undescribed_properties(name, component, components)
    ]

    assert "Dispatch" in components and "PaginatedDispatchList" in components
    assert not missing, missing


def test_a_property_is_checked_inside_nested_objects_and_lists():
    components = {"Described": {"description": "有说明", "type": "string"}, "Bare": {}}
    schema = {
        "properties": {
            "ref": {"$ref": "#/components/schemas/Described"},
            "bare": {"$ref": "#/components/schemas/Bare"},
            "rows": {
                "type": "array",
                "description": "各行",
                "items": {"type": "object", "properties": {"x": {"type": "integer"}}},
            },
            "inner": {
                "type": "object",
                "description": "内层",
                "properties": {"y": {"type": "string", "description": "English only"}},
            },
        }
    }

    assert list(undescribed_properties("S", schema, components)) == [
        "S.bare",
        "S.rows[].x",
        "S.inner.y",
    ]
