"""A task's page looks like the project's pages: the subject's details as label and value
(the label on one line, the value wrapping — a long value never squeezes its label into a
column of single characters), and 提交 in the project's red button, not Material's purple
one. The journey checks both at 390 px (tests/browser/test_named_roll_call.py)."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.flowtools import at_attendance, open_task, task_url

pytestmark = pytest.mark.klass(name="全市专题培训班", credit_hours=40)

STATIC = Path(settings.BASE_DIR) / "core" / "static" / "xundiao"


def rule(css: str, selector: str) -> str:
    """The declarations of the rule for exactly `selector`."""
    match = re.search(rf"(?:^|\n){re.escape(selector)} \{{([^}}]*)\}}", css)
    assert match, selector
    return match.group(1)


def test_the_task_form_has_the_projects_submit_button_under_its_details(
    world, staff, klass, client
):
    process = at_attendance(client, world, staff, klass)
    task = open_task(process, "record_attendance")
    client.force_login(world.rita)
    client.post(task_url(task, "assign"))
    page = client.get(task_url(task, "execute")).content.decode()
    assert '<table class="xd-details-table">' in page
    assert "<tr><th>培训班次</th><td>全市专题培训班</td></tr>" in page
    actions = page.split('class="mdc-card__actions vf-card__actions"', 1)[1].split("</section>")[0]
    assert '<button type="submit" class="button">提交</button>' in actions
    assert "mdc-button" not in actions


def test_details_labels_keep_to_one_line_and_buttons_are_red():
    css = (STATIC / "site.css").read_text(encoding="utf-8")
    label = rule(css, ".xd-details-table:not(.xd-panel) th")
    assert "word-break: keep-all" in label and "min-width: 5em" in label
    value = rule(css, ".xd-details-table:not(.xd-panel) td")
    assert "overflow-wrap: anywhere" in value
    button = rule(css, "a.button, button.button")
    assert "background: #b71c1c" in button and "color: #fff" in button
    # Viewflow's own buttons (claim, cancel) in the same red.
    assert "--mdc-theme-primary: #b71c1c" in rule(css, ".vf-page.xd-vf-page")
