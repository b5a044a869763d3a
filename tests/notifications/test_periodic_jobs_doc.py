"""docs/notifications.md lists every periodic job as it is configured: each beat entry of
`CELERY_BEAT_SCHEDULE` with its task, its schedule, the cron line that replaces it and a
management command that exists."""

import re
from pathlib import Path

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core.management import get_commands

DOC = Path(__file__).resolve().parents[2] / "docs" / "notifications.md"


def job_rows() -> dict[str, list[str]]:
    """{beat entry: its cells} from the table of the "Periodic jobs" section."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Periodic jobs", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells[0].startswith("`"):
            rows[cells[0].strip("`")] = cells
    return rows


def cron_for(schedule) -> str:
    """The cron time fields equivalent to a beat schedule (daily intervals: any fixed time
    of day, shown as `M H * * *`)."""
    if isinstance(schedule, crontab):
        return " ".join(
            str(part)
            for part in (
                schedule._orig_minute,
                schedule._orig_hour,
                schedule._orig_day_of_month,
                schedule._orig_month_of_year,
                schedule._orig_day_of_week,
            )
        )
    seconds = float(schedule)
    if seconds == 60:
        return "* * * * *"
    if seconds < 3600 and seconds % 60 == 0:
        return f"*/{int(seconds // 60)} * * * *"
    assert seconds == 24 * 3600, f"document the cron line of a {seconds}s interval"
    return "M H * * *"


@pytest.mark.parametrize("name", sorted(settings.CELERY_BEAT_SCHEDULE))
def test_every_beat_entry_is_documented_with_its_cron_line(name):
    entry = settings.CELERY_BEAT_SCHEDULE[name]
    rows = job_rows()
    assert name in rows, f"{name} is missing from the Periodic jobs table"
    _name, task, beat, cron, _what = rows[name]
    assert task == f"`{entry['task']}`"
    match = re.fullmatch(r"`([^`]+)` `(\w+)`", cron)
    assert match, cron
    fields, command = match.groups()
    expected = cron_for(entry["schedule"])
    if expected == "M H * * *":
        assert re.fullmatch(r"\d{1,2} \d{1,2} \* \* \*", fields), fields
        assert "24 * 3600.0" in beat
    else:
        assert fields == expected
    assert command in get_commands(), f"manage.py {command} does not exist"
    assert f'"$M {command}"' in DOC.read_text(encoding="utf-8")  # and in the crontab


def test_the_table_lists_nothing_that_is_not_scheduled():
    assert set(job_rows()) == set(settings.CELERY_BEAT_SCHEDULE)
    for job in (
        "workflow_timers",
        "announce_dispatches",
        "send_pending_notifications",
        "send_reminders",
        "send_notification_digests",
        "escalate_makeups",
        "start_circulars",
    ):
        assert job in get_commands()
