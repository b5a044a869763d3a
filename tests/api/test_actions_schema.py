"""The action endpoints in the OpenAPI schema: each operation has a Chinese summary and
description, documents its request body and declares the refusals it answers with; and
the refusals themselves read in Chinese."""

import re

from tests.api.actiontools import api, post

CJK = re.compile(r"[\u4e00-\u9fff]")


def operations(user):
    schema = api(user).get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    return {
        (path, method): operation
        for path, item in schema["paths"].items()
        if "/actions/" in path
        for method, operation in item.items()
    }


def test_every_action_is_documented_in_chinese_with_its_refusals(world):
    found = operations(world.bob)

    assert len(found) == 21, sorted(found)
    for (path, method), operation in found.items():
        assert CJK.search(operation.get("summary", "")), (path, method)
        assert CJK.search(operation.get("description", "")), (path, method)
        assert all(CJK.search(tag) for tag in operation["tags"]), (path, operation["tags"])
        if method == "post":
            declared = set(operation["responses"])
            assert {"403", "404"} & declared or path.endswith("/filings/"), (path, declared)
            assert "409" in declared, (path, declared)
    confirm = found[("/api/v1/actions/tasks/{id}/request/", "post")]
    assert {"400", "403", "404", "409"} <= set(confirm["responses"])
    assert "multipart/form-data" in confirm["requestBody"]["content"]
    roll_call = found[("/api/v1/actions/roll-calls/", "post")]
    assert "201" in roll_call["responses"]
    # The steps of nominations, filings and makeups, and the attendance correction.
    for step in (
        "tasks/{id}/nominate/",
        "tasks/{id}/approve-nomination/",
        "tasks/{id}/review-nomination/",
        "tasks/{id}/review-filing/",
        "tasks/{id}/correct-filing/",
        "tasks/{id}/schedule-makeup/",
        "classes/{id}/attendance/{dispatch_id}/correct/",
    ):
        operation = found[(f"/api/v1/actions/{step}", "post")]
        assert {"200", "400", "401", "403", "404", "409"} <= set(operation["responses"]), step
        assert "application/json" in operation["requestBody"]["content"], step


def test_framework_refusals_read_in_chinese(world, klass):
    missing = post(world.bob, "roll-calls/", {"mode": "named"})

    assert missing.status_code == 400
    assert CJK.search(missing.json()["training_class"][0])
    assert CJK.search(missing.json()["response_deadline"][0])
    stranger = post(world.charlie, "tasks/1/confirm/")
    assert stranger.status_code == 404 and CJK.search(stranger.json()["detail"])
