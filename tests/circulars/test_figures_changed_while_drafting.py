"""A circular's text written against figures that changed before it was submitted (a
registrar recorded an absence in the meantime) is refused with the figures counted
again and the drafter's text kept, so the head never approves a text whose numbers
disagree with its tables; a blank text (generated when issued) needs no such check."""

import datetime as dt
import html
import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from audit.models import AuditEvent
from circulars import documents as circular_documents
from circulars import services
from circulars.models import Circular, CircularStatus
from dispatch.models import Dispatch, DispatchStatus
from tests.factories import cadre, training_class
from tests.flowtools import act, circular_start, open_task, process_of, task_url

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


def digest_on(page: str) -> str:
    """The digest of the figures the drafter's page carries in its form."""
    return re.search(r'name="figures_seen" value="([0-9a-f]+)"', page).group(1)


def text_box(page: str) -> str:
    """The text in the drafter's text box."""
    box = re.search(r'<textarea name="body"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    return html.unescape(box).strip()


def shown_totals(page: str) -> dict:
    """The total line of the page's attendance table (表1): named … absent."""
    table = re.search(r'<table[^>]*id="circular-attendance"[^>]*>(.*?)</table>', page, re.S).group(
        1
    )
    total = re.search(r'<tr class="total">(.*?)</tr>', table, re.S).group(1)
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", total)[1:]
    keys = ("named", "attended", "leave", "deferred", "exempt", "absent")
    return {key: int(cell) for key, cell in zip(keys, cells, strict=False)}


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
    seen = digest_on(client.get(task_url(task, "execute")).content.decode())
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
    assert shown_totals(page)["absent"] == 2  # counted again, shown on the page
    circular.refresh_from_db()
    # Nothing stored: the refused step is rolled back whole.
    assert circular.status == CircularStatus.DRAFT and circular.body == ""
    assert circular.figures["totals"]["absent"] == 1
    assert not AuditEvent.objects.filter(verb="circular.recompute").exists()
    fresh = digest_on(page)
    assert fresh == services.figures_digest(services.figures_now(circular)) != seen
    task.refresh_from_db()
    assert task.status != "DONE"

    # Checked against the new figures, the same text goes to the head.
    response = client.post(
        task_url(task, "execute"), {"title": circular.title, "body": TEXT, "figures_seen": fresh}
    )
    assert response.status_code == 302
    circular.refresh_from_db()
    assert circular.status == CircularStatus.AWAITING_APPROVAL and circular.body == TEXT
    assert circular.figures["totals"]["absent"] == 2


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


def test_a_text_longer_than_a_few_pages_is_refused_by_the_service_and_the_page(
    world, client, drafting
):
    circular, task, _klass, seen = drafting
    long = "各单位要切实履行调训主体责任。" * 1334  # 20,010 characters
    with pytest.raises(ValidationError) as refused:
        services.circular_draft(
            actor=world.bob, circular=circular, title=circular.title, body=long, figures_seen=seen
        )
    assert "20000" in refused.value.message_dict["body"][0]
    response = client.post(
        task_url(task, "execute"), {"title": circular.title, "body": long, "figures_seen": seen}
    )
    assert response.status_code == 200 and "20000" in response.content.decode()
    circular.refresh_from_db()
    assert circular.status == CircularStatus.DRAFT and circular.body == ""


# -- the page as it opens -------------------------------------------------------------------


def test_the_page_shows_the_figures_as_they_stand_when_opened(world, client):
    """Recorded after the circular was started, before the drafter opened the page: the
    page counts it, the text in the box tells it, and the unchanged page goes through."""
    today = timezone.localdate()
    klass = training_class(world.city_od, world.school, today - dt.timedelta(days=10))
    _absent(world, klass, "缺训甲")
    circular_start(client, world, today - dt.timedelta(days=30), today)
    circular = Circular.objects.get()
    _absent(world, klass, "缺训乙")
    task = open_task(process_of(circular, "CircularFlow"), "draft")
    client.post(task_url(task, "assign"))

    page = client.get(task_url(task, "execute")).content.decode()
    assert shown_totals(page)["absent"] == 2
    assert "未经批准缺训2人次" in text_box(page)
    assert digest_on(page) == services.figures_digest(services.figures_now(circular))

    response = client.post(
        task_url(task, "execute"),
        {"title": circular.title, "body": text_box(page), "figures_seen": digest_on(page)},
    )
    assert response.status_code == 302, response.content.decode()[-1500:]
    circular.refresh_from_db()
    assert circular.status == CircularStatus.AWAITING_APPROVAL
    assert circular.figures["totals"]["absent"] == 2 and "缺训2人次" in circular.body


def _submitted_and_returned(world, staff, client, drafting, body):
    """The drafter submits `body` from the page, an absence is recorded while the head
    reads it, the head returns it and the drafter opens the page again: the page."""
    circular, task, klass, seen = drafting
    response = client.post(
        task_url(task, "execute"), {"title": circular.title, "body": body, "figures_seen": seen}
    )
    assert response.status_code == 302
    _absent(world, klass, "缺训乙")
    process = process_of(circular, "CircularFlow")
    client.force_login(staff.oscar)
    act(client, open_task(process, "approval"), {"decision": "return", "reason": "请修改"})
    client.force_login(world.bob)
    task = open_task(process, "draft")
    client.post(task_url(task, "assign"))
    return task, client.get(task_url(task, "execute")).content.decode()


def test_a_returned_text_written_for_other_figures_is_flagged_and_not_taken_unchanged(
    world, staff, client, drafting
):
    circular = drafting[0]
    task, page = _submitted_and_returned(world, staff, client, drafting, TEXT)
    # The page tells it plainly, keeps the drafter's text and offers the generated one.
    assert 'id="circular-text-other-figures"' in page and 'role="alert"' in page
    assert text_box(page) == TEXT
    offered = re.search(r"<textarea readonly[^>]*>(.*?)</textarea>", page, re.S).group(1)
    assert "未经批准缺训2人次" in html.unescape(offered)
    assert shown_totals(page)["absent"] == 2
    fresh = digest_on(page)
    assert fresh == services.figures_digest(services.figures_now(circular))

    # Submitted unchanged, the text is refused; nothing is stored.
    data = {"title": circular.title, "body": TEXT, "figures_seen": fresh}
    response = client.post(task_url(task, "execute"), data)
    assert response.status_code == 200
    assert 'name="figures_checked"' in response.content.decode()
    circular.refresh_from_db()
    assert circular.status == CircularStatus.RETURNED
    assert circular.figures["totals"]["absent"] == 1
    task.refresh_from_db()
    assert task.status != "DONE"
    with pytest.raises(ValidationError) as refused:
        services.circular_draft(actor=world.bob, circular=circular, **data)
    assert refused.value.code == services.TEXT_FOR_OTHER_FIGURES

    # The drafter says its numbers were checked against the figures shown: it goes on.
    response = client.post(task_url(task, "execute"), {**data, "figures_checked": "1"})
    assert response.status_code == 302
    circular.refresh_from_db()
    assert circular.status == CircularStatus.AWAITING_APPROVAL and circular.body == TEXT
    assert circular.figures["totals"]["absent"] == 2


def test_a_returned_generated_text_is_generated_again_from_the_figures(
    world, staff, client, drafting
):
    circular = drafting[0]
    generated = circular_documents.generated_text(circular)
    assert "未经批准缺训1人次" in generated
    task, page = _submitted_and_returned(world, staff, client, drafting, generated)
    assert 'id="circular-text-regenerated"' in page
    assert 'id="circular-text-other-figures"' not in page
    assert "未经批准缺训2人次" in text_box(page) and "缺训1人次" not in text_box(page)

    response = client.post(
        task_url(task, "execute"),
        {"title": circular.title, "body": text_box(page), "figures_seen": digest_on(page)},
    )
    assert response.status_code == 302
    circular.refresh_from_db()
    assert "未经批准缺训2人次" in circular.body and circular.figures["totals"]["absent"] == 2


def test_a_returned_text_whose_figures_did_not_change_is_not_flagged(
    world, staff, client, drafting
):
    circular, task, klass, seen = drafting
    client.post(
        task_url(task, "execute"), {"title": circular.title, "body": TEXT, "figures_seen": seen}
    )
    process = process_of(circular, "CircularFlow")
    client.force_login(staff.oscar)
    act(client, open_task(process, "approval"), {"decision": "return", "reason": "请修改"})
    client.force_login(world.bob)
    task = open_task(process, "draft")
    client.post(task_url(task, "assign"))
    page = client.get(task_url(task, "execute")).content.decode()
    assert "circular-text-other-figures" not in page and "circular-text-regenerated" not in page
    assert text_box(page) == TEXT and digest_on(page) == seen
    response = client.post(
        task_url(task, "execute"), {"title": circular.title, "body": TEXT, "figures_seen": seen}
    )
    assert response.status_code == 302
