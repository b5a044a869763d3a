"""The keyboard and assistive text: icon names are hidden from screen readers, icon-only
links are named, the claim page focuses 认领并继续, and every task form's radios are
real radios with labels (reachable with Tab, chosen with the arrows, Space or Enter)."""

import re

import pytest
from django.conf import settings

from tests.flowtools import named, open_task, task_url

pytestmark = pytest.mark.klass(name="全市专题培训班", credit_hours=40, quota=100)

ICON = re.compile(r'<(?:i|span) class="material-icons"(?P<attrs>[^>]*)>')


def test_no_icon_name_is_read_out_on_viewflow_pages(world, staff, klass, client):
    _dispatch, process = named(client, world, klass, world.cadre_a)
    client.force_login(world.bob)
    for url in (
        "/workflow/dispatch/flows/",
        "/workflow/dispatch/",
        f"/workflow/dispatch/{process.pk}/",
        "/workflow/dispatch/queue/",
    ):
        page = client.get(url).content.decode()
        for match in ICON.finditer(page):
            assert 'aria-hidden="true"' in match.group("attrs"), (url, match.group(0))


def test_the_claim_page_focuses_claim_and_continue_and_the_form_has_labelled_radios(
    world, staff, klass, client
):
    _dispatch, process = named(client, world, klass, world.cadre_a)
    task = open_task(process, "confirm")
    client.force_login(staff.lily)
    claim = client.get(task_url(task, "assign")).content.decode()
    button = re.search(r"<button[^>]*name=\"_continue\"[^>]*>", claim).group(0)
    assert "autofocus" in button and "mdc-button--raised" in button
    client.post(task_url(task, "assign"))
    form = client.get(task_url(task, "execute")).content.decode()
    radios = re.findall(r'<input type="radio" name="action" value="[^"]+"[^>]*id="([^"]+)"', form)
    assert radios, form[:2000]
    for radio_id in radios:
        assert f'<label for="{radio_id}">' in form, radio_id


def test_the_script_chooses_a_radio_with_enter_and_hides_icon_names():
    script = (settings.BASE_DIR / "core/static/xundiao/site.js").read_text(encoding="utf-8")
    assert 'e.key === "Enter"' in script and 't.type === "radio"' in script
    assert 'setAttribute("aria-hidden", "true")' in script
