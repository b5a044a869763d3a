"""Hour recognition (学时认定): hours from elsewhere recognized after approval, for the
liaison's own cadres only, and the same hours never asked for twice."""

import datetime as dt
import re

from approvals.models import ApprovalRequest
from ledger import services as ledger_services
from ledger.models import HourRecord
from tests.flowtools import act, open_task, process_of, recognition_post


def test_the_same_hours_cannot_be_submitted_for_recognition_twice(world, login):
    from tests.factories import user

    client = login(user("lily", "unit_liaison", world.a))
    assert recognition_post(client, world.cadre_a).status_code == 302
    # Submitted again a moment later, with other hours and the provider spelt loosely.
    response = recognition_post(client, world.cadre_a, hours="20", provider=" 中国干部网络学院 ")
    assert response.status_code == 200
    assert "已提交认定" in response.content.decode()
    assert HourRecord.objects.filter(source="recognition").count() == 1
    # Another day, another provider or another cadre is another request.
    assert recognition_post(client, world.cadre_a, provider="省委党校").status_code == 302
    assert recognition_post(client, world.cadre_a1).status_code == 302
    assert HourRecord.objects.filter(source="recognition").count() == 3
    # Once recognized, still refused; once rejected, it may be asked for again.
    first = HourRecord.objects.filter(source="recognition").earliest("id")
    ledger_services.recognition_decided(record=first, approved=True)
    assert recognition_post(client, world.cadre_a).status_code == 200
    rejected = HourRecord.objects.get(source="recognition", note__startswith="省委党校")
    ledger_services.recognition_decided(record=rejected, approved=False)
    assert recognition_post(client, world.cadre_a, provider="省委党校").status_code == 302
    assert HourRecord.objects.filter(source="recognition").count() == 4


def test_a_refused_recognition_names_the_day_as_pages_do(world, login):
    from tests.factories import user

    client = login(user("lily", "unit_liaison", world.a))
    assert recognition_post(client, world.cadre_a, date="2026-03-05").status_code == 302
    page = recognition_post(client, world.cadre_a, date="2026-03-05").content.decode()
    # The date picker keeps its ISO value; the message reads like the pages.
    [message] = re.findall(r"[^<>]*已提交认定[^<>]*", page)
    assert "2026年3月5日" in message and "2026-03-05" not in message


def test_hours_recognized_after_approval(world, staff, client):
    client.force_login(staff.lily)
    response = client.post(
        "/workflow/recognition/start/",
        {
            "cadre": world.cadre_a.pk,
            "date": dt.date.today() - dt.timedelta(days=30),
            "hours": "24",
            "kind": "concentrated",
            "provider": "中国干部网络学院",
            "reason": "参加省委党校专题班",
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    record = HourRecord.objects.get(source="recognition")
    assert record.status == "pending"
    approval_process = process_of(ApprovalRequest.objects.get(), "ApprovalFlow")
    client.force_login(world.alice)
    act(client, open_task(approval_process, "head_review"), {"decision": "approved"})
    client.force_login(staff.oscar)
    act(client, open_task(approval_process, "managing_review"), {"decision": "approved"})
    record.refresh_from_db()
    assert record.status == "recognized"


def test_a_recognition_for_another_units_cadre_is_refused(world, staff, client):
    client.force_login(staff.lily)
    response = client.post(
        "/workflow/recognition/start/",
        {
            "cadre": world.cadre_b.pk,
            "date": dt.date.today(),
            "hours": "8",
            "kind": "online",
            "provider": "某平台",
            "reason": "互认",
        },
    )
    assert response.status_code == 200
    assert not HourRecord.objects.exists()
