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
    # Another day, other hours from another provider or another cadre is another request
    # (the same hours of the same day and kind are the same training, whatever its name).
    assert recognition_post(client, world.cadre_a, provider="省委党校").status_code == 200
    assert (
        recognition_post(client, world.cadre_a, provider="省委党校", hours="16").status_code == 302
    )
    assert recognition_post(client, world.cadre_a1).status_code == 302
    assert HourRecord.objects.filter(source="recognition").count() == 3
    # Once recognized, still refused; once rejected, it may be asked for again.
    first = HourRecord.objects.filter(source="recognition").earliest("id")
    ledger_services.recognition_decided(record=first, approved=True)
    assert recognition_post(client, world.cadre_a).status_code == 200
    rejected = HourRecord.objects.get(source="recognition", note__startswith="省委党校")
    ledger_services.recognition_decided(record=rejected, approved=False)
    assert (
        recognition_post(client, world.cadre_a, provider="省委党校", hours="16").status_code == 302
    )
    assert HourRecord.objects.filter(source="recognition").count() == 4


def test_a_refused_recognition_names_the_day_as_pages_do(world, login):
    from tests.factories import user

    client = login(user("lily", "unit_liaison", world.a))
    assert recognition_post(client, world.cadre_a, date="2026-03-05").status_code == 302
    page = recognition_post(client, world.cadre_a, date="2026-03-05").content.decode()
    # The date picker keeps its ISO value; the message reads like the pages — once, in
    # the error summary at the top of the page (the form's own error, not repeated).
    messages = re.findall(r"[^<>]*已提交认定[^<>]*", page)
    assert len(messages) == 1
    assert all("2026年3月5日" in m and "2026-03-05" not in m for m in messages)


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


# Hours the ledger already holds, the bound of a request, the cadre picker and the process
# page.


def refusal(response) -> str:
    """The form's error texts of a refused request."""
    assert response.status_code == 200
    return " ".join(
        re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode(), re.S)
    )


def test_hours_already_in_the_ledger_cannot_be_recognized_again(world, staff, client):
    from tests.factories import credit

    day = dt.date.today() - dt.timedelta(days=30)
    attended = credit(world.cadre_a, 24, day)  # a class the cadre attended
    HourRecord.objects.filter(pk=attended.pk).update(note="春季专题班")
    client.force_login(staff.lily)
    # The same hours of the same kind on the same day, from whatever provider.
    response = recognition_post(client, world.cadre_a, date=day.isoformat(), provider="省委党校")
    message = refusal(response)
    assert "王堃" in message and "春季专题班" in message and "24" in message, message
    assert not HourRecord.objects.filter(source="recognition").exists()
    # Other hours that day, the same hours another day or of another kind, another cadre:
    # other training.
    other = dt.date.today() - dt.timedelta(days=31)
    for changes in (
        {"date": day.isoformat(), "hours": "16", "provider": "省委党校"},
        {"date": other.isoformat()},
        {"date": day.isoformat(), "kind": "online", "provider": "学习强国"},
    ):
        assert recognition_post(client, world.cadre_a, **changes).status_code == 302, changes
    assert recognition_post(client, world.cadre_a1, date=day.isoformat()).status_code == 302
    # Hours the ledger holds no more (rejected) do not stand in the way.
    HourRecord.objects.filter(pk=attended.pk).update(status="rejected")
    later = recognition_post(client, world.cadre_a, date=day.isoformat(), provider="市委党校")
    assert later.status_code == 302
    assert HourRecord.objects.filter(source="recognition").count() == 5


def test_hours_imported_from_the_platform_cannot_be_recognized_again(world, staff, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    day = dt.date.today() - dt.timedelta(days=3)
    text = (
        "身份证号码,姓名,学习日期,学时,课程,平台\n"
        f"{world.cadre_a.id_number},王堃,{day.isoformat()},2,党史学习,中国干部网络学院\n"
    )
    upload = SimpleUploadedFile("hours.csv", text.encode(), content_type="text/csv")
    hour_import = ledger_services.hours_import_preview(
        actor=world.bob, upload=upload, name="hours.csv"
    )
    ledger_services.hours_import_commit(actor=world.bob, hour_import=hour_import)
    client.force_login(staff.lily)
    # The platform's hours of that day came with its export, whatever the hours asked.
    for hours, provider in (("2", "中国干部网络学院"), ("3", " 中国干部网络学院 ")):
        response = recognition_post(
            client,
            world.cadre_a,
            date=day.isoformat(),
            hours=hours,
            kind="online",
            provider=provider,
        )
        assert "中国干部网络学院" in refusal(response)
    assert not HourRecord.objects.filter(source="recognition").exists()
    # Another platform's three hours that day are other hours.
    response = recognition_post(
        client, world.cadre_a, date=day.isoformat(), hours="3", kind="online", provider="学习强国"
    )
    assert response.status_code == 302
    assert HourRecord.objects.filter(source="recognition").count() == 1


def test_a_request_over_the_bound_is_refused_with_the_bound(world, staff, client):
    client.force_login(staff.lily)
    message = refusal(recognition_post(client, world.cadre_a, hours="2500"))
    assert "2000" in message and "大于0" not in message, message
    assert "大于0" in refusal(recognition_post(client, world.cadre_a, hours="0"))
    assert recognition_post(client, world.cadre_a, hours="2000").status_code == 302


def test_the_cadre_is_found_by_search_when_too_many_to_list(world, staff, client):
    from core.widgets import MultiPicker
    from org.models import Cadre, CadreCategory, Gender
    from tests.factories import id_number, user

    start = "/workflow/recognition/start/"
    client.force_login(staff.lily)
    page = client.get(start).content.decode()
    offered = set(re.findall(r'name="cadre" value="(\d+)"', page))
    # Few enough to list: the cadres of the liaison's unit, and no other unit's.
    assert offered == {str(world.cadre_a.pk), str(world.cadre_a1.pk)}
    assert "data-search-url" not in page

    Cadre.objects.bulk_create(
        Cadre(
            name=f"干部{n:04d}",
            gender=Gender.MALE,
            id_number=id_number(),
            unit=world.a1,
            position="科员",
            category=CadreCategory.CIVIL_SERVANT,
            managing_org_department=world.city_od,
        )
        for n in range(MultiPicker.FULL_LIST_MAX)
    )
    for person in (staff.lily, user("root", is_superuser=True, is_staff=True)):
        client.force_login(person)
        page = client.get(start).content.decode()
        assert 'data-search-url="/cadres/pick/?for=filing"' in page
        assert not re.findall(r'name="cadre" value="(\d+)"', page)  # none listed
    # The search finds the liaison's cadres only; what it finds is taken.
    client.force_login(staff.lily)
    found = client.get("/cadres/pick/", {"for": "filing", "q": "张喆"}).json()
    assert found["results"] == []
    assert recognition_post(client, world.cadre_a).status_code == 302
    # One cadre a request: two are refused, and another unit's cadre still is.
    assert (
        recognition_post(client, world.cadre_a, provider="省委党校", hours="16").status_code == 302
    )
    both = {
        "cadre": [world.cadre_a.pk, world.cadre_a1.pk],
        "date": dt.date.today() - dt.timedelta(days=30),
        "hours": "8",
        "kind": "online",
        "provider": "学习强国",
        "reason": "互认",
    }
    assert refusal(client.post(start, both))
    assert recognition_post(client, world.cadre_b).status_code == 200
    assert HourRecord.objects.filter(source="recognition").count() == 2


def test_the_process_page_does_not_show_the_ledgers_key(world, staff, client):
    client.force_login(staff.lily)
    assert recognition_post(client, world.cadre_a).status_code == 302
    record = HourRecord.objects.get(source="recognition")
    process = process_of(record, "RecognitionFlow")
    for person in (staff.lily, world.bob):
        client.force_login(person)
        page = client.get(f"/workflow/recognition/{process.pk}/").content.decode()
        assert "王堃" in page and "中国干部网络学院" in page
        assert record.source_key not in page and "recognition:" not in page
        assert "来源标识" not in page
