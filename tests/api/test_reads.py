"""What the read endpoints say: ID numbers whole only for the cadre's record keepers, the
document's own PDF, the compliance evaluation, an approval with its steps, the caller's
own inbox."""

import datetime as dt

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from tests.api.conftest import PDF


def test_id_numbers_are_whole_for_a_keeper_and_masked_for_a_reader(samples, api):
    # org.policy.may_see_id_number: the dispatcher keeps the record, the head reads it
    # (tests/org/test_id_number_visibility.py has every role).
    cadre = samples.world.cadre_a
    row = api.as_(samples.world.bob).get(f"/api/v1/cadres/{cadre.pk}/").json()
    assert row["id_number"] == cadre.id_number
    assert row["unit_name"] == samples.world.a.name
    row = api.as_(samples.world.alice).get(f"/api/v1/cadres/{cadre.pk}/").json()
    assert row["id_number"] == cadre.masked_id_number
    assert cadre.id_number not in str(api.get("/api/v1/cadres/?page_size=100").json())


def test_the_pdf_is_the_stored_document(samples, api):
    response = api.as_(samples.world.dave).get(f"/api/v1/documents/{samples.document.pk}/pdf/")
    assert response.status_code == 200  # Dave's own notice: no jurisdiction needed
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF
    assert "filename*=UTF-8''" in response["Content-Disposition"]


def test_compliance_rows_carry_each_rule(samples, api):
    body = api.as_(samples.world.bob).get("/api/v1/compliance/?page_size=10").json()
    assert body["count"] >= 3
    row = next(r for r in body["results"] if r["cadre_id"] == samples.world.cadre_a.pk)
    assert row["status"] in {"short", "at_risk", "on_track", "met"}
    assert row["rules"] and {"code", "hours", "status", "progress"} <= set(row["rules"][0])
    # Worst first, as on the page.
    order = ["short", "at_risk", "on_track", "met"]
    ranks = [order.index(r["status"]) for r in body["results"]]
    assert ranks == sorted(ranks)


def test_compliance_of_a_unit_out_of_reach_is_empty(samples, api):
    body = api.as_(samples.world.charlie).get(f"/api/v1/compliance/?unit={samples.world.a.pk}")
    assert body.status_code == 200 and body.json()["results"] == []


def test_an_approval_lists_its_steps(samples, api):
    from approvals.models import ApprovalStep

    due = timezone.now() + dt.timedelta(days=3)
    ApprovalStep.objects.filter(request=samples.approval).update(due_at=due)
    row = api.as_(samples.world.alice).get(f"/api/v1/approvals/{samples.approval.pk}/").json()
    assert row["kind"] == "leave" and row["cadre_name"] == "王堃"
    assert [(s["stage"], s["decision"]) for s in row["steps"]] == [(1, "pending")]
    assert abs(parse_datetime(row["steps"][0]["due_at"]) - due) < dt.timedelta(seconds=1)


def test_the_inbox_is_the_callers_own(samples, api):
    mine = api.as_(samples.world.dave).get("/api/v1/notifications/?unread=true").json()
    assert [n["id"] for n in mine["results"]] == [samples.notification.pk]
    assert mine["results"][0]["document"] == samples.document.pk
    assert api.as_(samples.world.bob).get("/api/v1/notifications/").json()["count"] == 0


def test_a_trainee_reads_no_jurisdiction_lists(samples, api):
    client = api.as_(samples.world.dave)
    for path in ("units", "cadres", "dispatches", "hours", "compliance"):
        response = client.get(f"/api/v1/{path}/")
        assert response.status_code == 403, path
        assert response.json()["detail"]


def test_the_hours_ledger_searches_and_filters_as_its_page_does(samples, api):
    world = samples.world
    client = api.as_(world.bob)  # a test client: the page too
    for api_query, page_query in (
        (f"search={world.cadre_a.name[:1]}", f"q={world.cadre_a.name[:1]}"),
        (f"unit={world.a.pk}", f"unit={world.a.pk}"),
        ("kind=concentrated", "kind=concentrated"),
    ):
        body = client.get(f"/api/v1/hours/?{api_query}&page_size=100").json()
        listed = {row["id"] for row in body["results"]}
        shown = {record.pk for record in client.get(f"/hours/?{page_query}").context["page"]}
        assert listed == shown and samples.hours.pk in listed, api_query
    assert client.get(f"/api/v1/hours/?search={world.cadre_b.name}").json()["results"] == []
