"""A circular's text written against figures that changed before it was submitted (a
registrar recorded an absence in the meantime) is refused with the figures counted
again and the drafter's text kept, so the head never approves a text whose numbers
disagree with its tables; a blank text (generated when issued) needs no such check."""

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from audit.models import AuditEvent
from circulars import services
from circulars.models import Circular, CircularStatus
from dispatch.models import Dispatch, DispatchStatus
from tests.factories import cadre, training_class
from tests.flowtools import circular_start, open_task, process_of, task_url

TEXT = "经统计，本期缺训1人次，现予通报。"


def _absent(world, klass, name):
    person = cadre(name, world.a, world.city_od)
    return Dispatch.objects.create(
        training_class=klass,
        cadre=person,
        unit=person.unit,
        status=DispatchStatus.ABSENT,
        confirm_due=timezone.now(),
    )


@pytest.fixture
def drafting(world, client):
    """A circular over a class with one absentee, its draft task claimed by the city's
    dispatcher; returns (circular, task, the digest on the drafter's page)."""
    today = timezone.localdate()
    klass = training_class(world.city_od, world.school, today - dt.timedelta(days=10))
    _absent(world, klass, "缺训甲")
    circular_start(client, world, today - dt.timedelta(days=30), today)
    circular = Circular.objects.get()
    task = open_task(process_of(circular, "CircularFlow"), "draft")
    client.post(task_url(task, "assign"))
    page = client.get(task_url(task, "execute")).content.decode()
    seen = re.search(r'name="figures_seen" value="([0-9a-f]+)"', page).group(1)
    assert seen == services.figures_digest(circular.figures)
    return circular, task, klass, seen


def test_a_text_written_against_old_figures_is_refused_and_kept(world, client, drafting):
    circular, task, klass, seen = drafting
    _absent(world, klass, "缺训乙")  # recorded while the drafter writes

    response = client.post(
        task_url(task, "execute"), {"title": circular.title, "body": TEXT, "figures_seen": seen}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "统计数据已有变化" in page
    assert TEXT in page  # the drafter's text is kept
    circular.refresh_from_db()
    assert circular.status == CircularStatus.DRAFT and circular.body == ""
    assert circular.figures["totals"]["absent"] == 2  # counted again, shown on the page
    fresh = re.search(r'name="figures_seen" value="([0-9a-f]+)"', page).group(1)
    assert fresh == services.figures_digest(circular.figures) != seen
    task.refresh_from_db()
    assert task.status != "DONE"
    assert AuditEvent.objects.filter(
        verb="circular.recompute", note__startswith="changed while drafting"
    ).exists()

    # Checked against the new figures, the same text goes to the head.
    response = client.post(
        task_url(task, "execute"), {"title": circular.title, "body": TEXT, "figures_seen": fresh}
    )
    assert response.status_code == 302
    circular.refresh_from_db()
    assert circular.status == CircularStatus.AWAITING_APPROVAL and circular.body == TEXT


def test_a_blank_text_is_generated_from_the_figures_and_needs_no_check(world, client, drafting):
    circular, task, klass, seen = drafting
    _absent(world, klass, "缺训乙")
    response = client.post(
        task_url(task, "execute"), {"title": circular.title, "body": "", "figures_seen": seen}
    )
    assert response.status_code == 302
    circular.refresh_from_db()
    assert circular.status == CircularStatus.AWAITING_APPROVAL
    assert circular.figures["totals"]["absent"] == 2


def test_the_service_refuses_a_stale_digest_and_writes_nothing(world, drafting):
    circular, _task, klass, seen = drafting
    _absent(world, klass, "缺训乙")
    with pytest.raises(ValidationError) as refused:
        services.circular_draft(
            actor=world.bob, circular=circular, title=circular.title, body=TEXT, figures_seen=seen
        )
    assert refused.value.code == services.FIGURES_CHANGED
    circular.refresh_from_db()
    assert circular.status == CircularStatus.DRAFT
    assert circular.figures["totals"]["absent"] == 1  # rolled back with the refusal
