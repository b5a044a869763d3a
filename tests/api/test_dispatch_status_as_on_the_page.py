"""The API's dispatch status filter is the dispatch page's: `leave` (请假) lists the
deferred dispatches whose request was for leave, `deferred` (缓训) leaves them out, and
the schema's enum offers the same values as the page's filter."""

from dispatch.models import Dispatch
from dispatch.selectors import dispatch_rows, dispatch_status_choices


def _ids(client, status):
    response = client.get("/api/v1/dispatches/", {"status": status})
    assert response.status_code == 200, response.json()
    return {row["id"] for row in response.json()["results"]}


def test_leave_and_deferral_are_filtered_as_on_the_page(samples, api):
    Dispatch.objects.filter(pk=samples.dispatch_a.pk).update(
        status="deferred", request_kind="leave"
    )
    Dispatch.objects.filter(pk=samples.dispatch_b.pk).update(
        status="deferred", request_kind="deferral"
    )
    bob = samples.world.bob
    client = api.as_(bob)
    assert _ids(client, "leave") == {samples.dispatch_a.pk}
    assert _ids(client, "deferred") == {samples.dispatch_b.pk}
    for value, _label in dispatch_status_choices():
        page = set(dispatch_rows(bob, status=value).values_list("pk", flat=True))
        assert _ids(client, value) == page, value


def test_the_filter_keeps_to_the_callers_reach(samples, api):
    Dispatch.objects.filter(pk__in=[samples.dispatch_a.pk, samples.dispatch_b.pk]).update(
        status="deferred", request_kind="leave"
    )
    client = api.as_(samples.world.alice)  # heads A: B's dispatch is out of reach
    assert _ids(client, "leave") == {samples.dispatch_a.pk}


def test_the_schema_offers_the_pages_statuses(world, api):
    schema = api.as_(world.bob).get("/api/v1/schema/").json()
    [status] = [
        p
        for p in schema["paths"]["/api/v1/dispatches/"]["get"]["parameters"]
        if p["name"] == "status"
    ]
    assert set(status["schema"]["enum"]) == {value for value, _label in dispatch_status_choices()}
    assert "leave" in status["schema"]["enum"]
