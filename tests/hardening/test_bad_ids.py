"""Bad ids in URLs and commands, and request values out of range: 404 or a usage error
with a Chinese answer, never a 500, and nothing written."""

import io

import pytest
from django.core.management import CommandError, call_command

from core.http import page_number, positive_int, search_text
from tests.flowtools import task_url
from tests.hardening.bad_input_kit import BIG, HUGE, LONG, counts, refused

# -- ids in URLs --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        f"/cadres/{BIG}/",
        f"/cadres/{HUGE}/edit/",
        "/cadres/-1/",
        "/cadres/abc/",
        f"/cadres/{BIG}/record/",
        f"/classes/{BIG}/",
        f"/classes/{HUGE}/candidates/",
        f"/classes/{BIG}/attendance/",
        "/classes/1.5/",
        f"/rollcalls/{BIG}/",
        f"/tasks/{BIG}/reassign/",
        f"/tasks/{HUGE}/reassign/",
        "/tasks/0/reassign/",
        f"/inbox/{BIG}/",
        f"/inbox/{HUGE}/document/",
        f"/inbox/{BIG}/documents/{BIG}/",
        f"/inbox/{HUGE}/documents/1/",
        f"/hours/import/{BIG}/",
        f"/workflow/dispatch/{BIG}/",
        f"/workflow/dispatch/{HUGE}/confirm/{HUGE}/",
        f"/workflow/approval/{BIG}/attachment/",
    ],
)
def test_ids_out_of_range_answer_404(bob, url):
    before = counts()
    refused(bob.get(url), "页面不存在", status=404)
    assert counts() == before


@pytest.mark.parametrize("revoke", [BIG, HUGE, "-1", "abc", "\x00"])
def test_revoking_a_delegation_that_is_no_number_answers_404(world, client, revoke):
    client.force_login(world.alice)
    before = counts()
    refused(client.post("/delegations/", {"revoke": revoke}), "页面不存在", status=404)
    assert counts() == before


@pytest.mark.parametrize("method", ["get", "post"])
def test_the_admin_survives_an_id_out_of_range(root, method):
    response = getattr(root, method)(f"/admin/org/cadre/{BIG}/change/")
    assert response.status_code in (302, 404)


@pytest.mark.parametrize(
    "url",
    [
        "/admin/org/cadre/add/?unit={}",
        "/admin/org/cadre/add/?managing_org_department={}",
        "/admin/org/orgdepartment/add/?unit={}",
        "/admin/dispatch/institution/add/?unit={}",
        "/admin/dispatch/trainingclass/add/?institution={}&organizer={}",
    ],
)
def test_the_admins_add_page_ignores_a_prefilled_id_out_of_range(root, url):
    response = root.get(url.format(BIG, BIG))
    assert response.status_code == 200
    assert root.get(url.format(HUGE, HUGE)).status_code == 200


def test_a_task_page_with_an_id_out_of_range_answers_404(bob, unclaimed):
    url = task_url(unclaimed, "detail").replace(f"/{unclaimed.pk}/", f"/{BIG}/")
    refused(bob.get(url), "页面不存在", status=404)


@pytest.mark.parametrize("limit", ["-1", "0", BIG, HUGE, "abc"])
@pytest.mark.parametrize(
    "command", [("send_pending_notifications", "--limit"), ("issue_circulars", "--older-than")]
)
def test_a_command_refuses_a_count_out_of_range_with_a_usage_error(db, command, limit):
    before = counts()
    with pytest.raises(CommandError, match="whole number from 1 to"):
        call_command(*command, limit, stdout=io.StringIO(), stderr=io.StringIO())
    assert counts() == before


def test_a_command_runs_with_a_count_in_range(db):
    out = io.StringIO()
    call_command("send_pending_notifications", "--limit", "5", stdout=out)
    assert "nothing due" in out.getvalue()


# -- reading request values ---------------------------------------------------------------


def test_request_values_are_read_within_bounds():
    assert positive_int("42") == 42
    assert positive_int(str(2**63 - 1)) == 2**63 - 1
    for bad in [str(2**63), HUGE, "0", "-1", "²", "1e3", " ", None, "4 2"]:
        assert positive_int(bad) is None, bad
    assert page_number(HUGE) == 1 and page_number("7") == 7 and page_number("-3") == 1
    assert search_text(LONG) == "党" * 100
    assert search_text(" 王\x00堃 ") == "王堃"


@pytest.mark.parametrize("pk", [BIG, HUGE])
def test_multi_selects_of_ids_beyond_any_row_are_refused_not_500(world, staff, klass, client, pk):
    """An id past the database's integers in a posted list of cadres (a named roll call,
    a filing's participants, a recognition's cadre) is a choice not on offer: the form
    says so, nothing is written (was: SQLite's OverflowError, a 500)."""
    from types import SimpleNamespace

    from tests.flowtools import filing_data, post_roll_call, recognition_post

    before = counts()
    client.force_login(world.bob)
    named = [world.cadre_a, SimpleNamespace(pk=pk)]
    refused(post_roll_call(client, klass, named), "不在您的管辖范围")
    client.force_login(staff.lily)
    data = filing_data(world, participants=[world.cadre_a.pk, pk])
    refused(client.post("/workflow/filing/start/", data), "不在您的管辖范围")
    refused(recognition_post(client, world.cadre_a, cadre=pk), "不在您的管辖范围")
    assert counts() == before
