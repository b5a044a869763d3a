"""The roll call's cadres are chosen in the same picker as the nominees and the filing's
participants: checkboxes grouped by unit with a search box, where each click, Space or
Enter adds or takes off one cadre and the earlier choices stay (a multiple <select> kept
only the last one chosen from the keyboard). The clash warning reads the boxes ticked.
The browser journey chooses two cadres with the keyboard alone
(tests/browser/test_named_roll_call.py)."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from dispatch.models import Dispatch
from tests.flowtools import deadline

pytestmark = pytest.mark.klass(name="全市专题培训班", credit_hours=40)

START = "/workflow/rollcall/start/"


def picker_of(page: str) -> str:
    return page.split('<div class="xd-picker">', 1)[1].split('class="xd-picker-chosen"', 1)[0]


def test_the_cadres_are_checkboxes_in_the_searchable_picker(world, klass, client):
    client.force_login(world.bob)
    page = client.get(START).content.decode()
    assert '<select name="cadres"' not in page
    picker = picker_of(page)
    assert '<input type="search" hidden placeholder="输入姓名、单位或职务筛选"' in picker
    for cadre in (world.cadre_a, world.cadre_a1, world.cadre_b):
        assert f'type="checkbox" name="cadres" value="{cadre.pk}"' in picker, cadre.name
    assert "xundiao/site.js" in page  # the search, the names chosen so far


def test_a_refused_form_comes_back_with_every_cadre_still_chosen(world, klass, client):
    client.force_login(world.bob)
    response = client.post(
        START,
        {
            "training_class": klass.pk,
            "mode": "named",
            "cadres": [world.cadre_a.pk, world.cadre_b.pk],
        },
    )
    assert response.status_code == 200  # no response deadline
    picker = picker_of(response.content.decode())
    for cadre, chosen in ((world.cadre_a, True), (world.cadre_b, True), (world.cadre_a1, False)):
        box = re.search(rf'<input type="checkbox" name="cadres" value="{cadre.pk}"[^>]*>', picker)
        assert ("checked" in box.group(0)) is chosen, cadre.name


def test_two_cadres_chosen_are_both_named(world, klass, client):
    client.force_login(world.bob)
    response = client.post(
        START,
        {
            "training_class": klass.pk,
            "mode": "named",
            "response_deadline": deadline(10),
            "cadres": [world.cadre_a.pk, world.cadre_a1.pk],
        },
    )
    assert response.status_code == 302
    named = set(Dispatch.objects.values_list("cadre__name", flat=True))
    assert named == {world.cadre_a.name, world.cadre_a1.name}


def test_the_clash_warning_reads_the_ticked_boxes(world, klass, client):
    client.force_login(world.bob)
    page = client.get(START).content.decode()
    assert 'id="xd-clash" role="alert" hidden' in page and 'id="xd-busy"' in page
    script = (
        Path(settings.BASE_DIR) / "core" / "static" / "xundiao" / "rollcall_start.js"
    ).read_text(encoding="utf-8")
    assert 'input[type=checkbox][name="cadres"]:checked' in script
    assert "selectedOptions" not in script and "mousedown" not in script
