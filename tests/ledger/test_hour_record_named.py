"""An hour record is named by its cadre and its hours as every page prints hours
(王堃 6学时), not as the database holds them (王堃 6.0): the name the recognition's
tasks, its messages and its audit events read."""

import datetime as dt
import html
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.utils import translation
from django.utils.translation import gettext

from approvals.models import ApprovalRequest
from ledger.models import HourRecord
from tests.factories import credit
from tests.flowtools import decide, open_task, process_of, recognition_post, task_url
from workflow import mytasks

pytestmark = pytest.mark.usefixtures("media")


def named(name: str, hours: str) -> str:
    """`name` and `hours` as the pages (zh-hans) print them."""
    with translation.override("zh-hans"):
        return f"{name} {gettext('%(hours)s credit hours') % {'hours': hours}}"


def test_a_record_is_named_with_its_hours_as_printed(world):
    with translation.override("zh-hans"):
        assert str(credit(world.cadre_a, Decimal("6.0"), dt.date(2026, 3, 5))) == "王堃 6学时"
        assert str(credit(world.cadre_a1, Decimal("12.5"), dt.date(2026, 3, 5))).endswith(
            " 12.5学时"
        )


def test_naming_a_record_reads_nothing_but_its_cadre(world, django_assert_num_queries):
    record = HourRecord.objects.select_related("cadre").get(
        pk=credit(world.cadre_a, 6, dt.date(2026, 3, 5)).pk
    )
    with django_assert_num_queries(0):
        str(record)


def test_the_recognition_is_named_so_in_its_messages_and_tasks(world, staff, client):
    client.force_login(staff.lily)
    response = recognition_post(client, world.cadre_a, date="2026-03-05", hours="6")
    assert response.status_code == 302
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert any(named("王堃", "6") in m for m in shown), shown
    assert not any("6.0" in m for m in shown), shown

    record = HourRecord.objects.get(source="recognition")
    approval = process_of(ApprovalRequest.objects.get(subject_id=record.pk), "ApprovalFlow")
    decide(client, world.alice, approval, "head_review", "sent_back", "请附结业证书")
    correct = open_task(process_of(record, "RecognitionFlow"), "correct")
    with translation.override("zh-hans"):
        assert html.unescape(correct.brief).strip() == named("王堃", "6")
    # In the liaison's 我的待办 and in the message once corrected.
    listed = [html.unescape(row.subject) for row in mytasks.summary(staff.lily)["rows"]]
    assert named("王堃", "6") in listed, listed
    client.force_login(staff.lily)
    assert client.post(task_url(correct, "assign")).status_code == 302
    response = client.post(task_url(correct, "execute"), {"reason": "补充说明"})
    assert response.status_code == 302
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert any(m.endswith(named("王堃", "6")) for m in shown), shown
