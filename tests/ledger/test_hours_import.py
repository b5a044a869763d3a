"""Training record, candidate suggestions, compliance report and hour import pages."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dispatch.suggestions import suggest
from ledger import services as ledger_services
from ledger.models import HourImport, HourRecord
from org.models import Cadre
from tests.factories import cadre, credit, training_class

_n = iter(range(1, 100000))


def test_the_training_record_shows_hours_and_compliance(world, login):
    credit(world.cadre_a, 30, dt.date.today())
    page = login(world.bob).get(f"/cadres/{world.cadre_a.pk}/record/").content.decode()
    assert "培训档案" in page and "30" in page
    # Rules read as what they ask, not as their codes.
    assert "集中培训（自然年度）" in page and "b-concentrated" not in page


def test_a_trainee_sees_their_own_record_only(world, login):
    client = login(world.dave)
    assert client.get(f"/cadres/{world.cadre_a.pk}/record/").status_code == 200
    assert client.get(f"/cadres/{world.cadre_a1.pk}/record/").status_code == 404


def test_an_outsider_cannot_read_a_record(world, login):
    assert login(world.charlie).get(f"/cadres/{world.cadre_a.pk}/record/").status_code == 404


# The training record's timeline: everything the cadre went through, in one list.


def timeline(page: str) -> list[list[str]]:
    """The timeline's rows as lists of cell texts; the last cell keeps its links' hrefs."""
    import re

    table = page[page.index('<table class="timeline">') :]
    table = table[: table.index("</table>")]
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S):
        cells = re.findall(r"<td>(.*?)</td>", row, re.S)
        if len(cells) == 5:
            hrefs = re.findall(r'href="([^"]+)"', cells[4])
            rows.append([re.sub(r"<[^>]+>", "", c).strip() for c in cells[:4]] + [hrefs])
    return rows


@pytest.fixture
def full_record(world, client):
    """王堃 (Dave's record): a dispatch deferred on approval with makeup owed, an overdue
    makeup of an earlier absence, a pending recognition request, a filing, and online
    hours — each through its real flow where there is one."""
    from approvals.models import ApprovalRequest
    from dispatch.models import Dispatch, Makeup
    from tests.flowtools import Staff, decide, filing_data, named, process_of, request

    staff = Staff(world)
    klass = training_class(
        world.city_od, world.school, dt.date.today() + dt.timedelta(days=30), name="春季主体班"
    )
    dispatch, process = named(client, world, klass, world.cadre_a)
    request(client, staff.lily, process, "deferral", reason="重大项目攻坚")
    approval = process_of(ApprovalRequest.objects.get(), "ApprovalFlow")
    decide(client, world.alice, approval, "head_review", "approved")
    decide(client, staff.oscar, approval, "managing_review", "approved")
    client.force_login(staff.lily)
    assert recognition_post(client, world.cadre_a, provider="省委党校").status_code == 302
    response = client.post(
        "/workflow/filing/start/", filing_data(world, title="发改业务培训", hours="24")
    )
    assert response.status_code == 302
    credit(world.cadre_a, "3.5", dt.date.today() - dt.timedelta(days=3), kind="online")
    old_class = training_class(world.city_od, world.school, dt.date(2025, 3, 3), name="去年专题班")
    missed = Dispatch.objects.create(
        training_class=old_class,
        cadre=world.cadre_a,
        unit=world.a,
        status="absent",
        confirm_due=dt.datetime(2025, 2, 1, tzinfo=dt.UTC),
    )
    Makeup.objects.create(
        cadre=world.cadre_a, source=missed, reason="absence", due_date=dt.date(2026, 3, 1)
    )
    return staff


def test_the_training_record_is_one_timeline_of_everything(world, client, full_record):
    client.force_login(world.bob)
    rows = timeline(client.get(f"/cadres/{world.cadre_a.pk}/record/").content.decode())
    by_kind = {row[1]: row for row in rows}
    assert set(by_kind) == {"调训", "缓训申请", "补训", "学时认定", "培训报备", "学时"}
    assert len(rows) == 8  # two dispatches and two makeups
    dispatches = {row[2].split("（")[0]: row[3] for row in rows if row[1] == "调训"}
    assert dispatches == {"春季主体班": "缓训", "去年专题班": "缺训"}
    assert "重大项目攻坚" in by_kind["缓训申请"][2] and by_kind["缓训申请"][3] == "已同意"
    makeups = {row[2]: row[3] for row in rows if row[1] == "补训"}
    assert any("春季主体班" in what and status == "待补训" for what, status in makeups.items())
    assert any("去年专题班" in what and "已逾期" in status for what, status in makeups.items())
    assert "24" in by_kind["学时认定"][2] and "省委党校" in by_kind["学时认定"][2]
    assert by_kind["学时认定"][3] == "待审批"
    assert "发改业务培训" in by_kind["培训报备"][2] and by_kind["培训报备"][3] == "已提交"
    assert "3.5" in by_kind["学时"][2] and "网络自学" in by_kind["学时"][2]
    # Newest first: the spring class (in 30 days) on top, last year's class at the bottom.
    dates = [dt.datetime.strptime(row[0], "%Y年%m月%d日").date() for row in rows]
    assert dates == sorted(dates, reverse=True)
    assert "去年专题班" in rows[-1][2]


def test_the_timeline_links_only_what_the_viewer_may_open(world, client, full_record):
    staff = full_record
    for viewer in (world.bob, world.alice, staff.lily):
        client.force_login(viewer)
        rows = timeline(client.get(f"/cadres/{world.cadre_a.pk}/record/").content.decode())
        links = [href for row in rows for href in row[4]]
        # The dispatch, the request, the makeups, the recognition and its approval, the
        # filing: each has a process page within these jurisdictions.
        assert sum("/workflow/" in href for href in links) >= 6, (viewer, links)
        for href in links:
            assert client.get(href).status_code == 200, (viewer.username, href)
    # The class page is for whoever reaches the class (the dispatcher), not the unit.
    client.force_login(world.bob)
    assert "/classes/" in str(
        timeline(client.get(f"/cadres/{world.cadre_a.pk}/record/").content.decode())
    )
    client.force_login(world.alice)
    assert "/classes/" not in str(
        timeline(client.get(f"/cadres/{world.cadre_a.pk}/record/").content.decode())
    )
    # The trainee reads the same lines but no process pages; what is linked opens.
    client.force_login(world.dave)
    rows = timeline(client.get(f"/cadres/{world.cadre_a.pk}/record/").content.decode())
    assert len(rows) == 8
    for href in (href for row in rows for href in row[4]):
        assert "/workflow/" not in href or "/acknowledge/" in href
        assert client.get(href, follow=True).status_code == 200


def test_the_trainee_gets_their_open_acknowledgement_on_the_timeline(world, client):
    from tests.flowtools import Staff, act, named, open_task

    staff = Staff(world)
    klass = training_class(world.city_od, world.school, dt.date.today() + dt.timedelta(days=30))
    dispatch, process = named(client, world, klass, world.cadre_a)
    client.force_login(staff.lily)
    act(client, open_task(process, "confirm"), {"action": "confirm"})
    client.force_login(world.dave)
    rows = timeline(client.get(f"/cadres/{world.cadre_a.pk}/record/").content.decode())
    links = rows[0][4]
    assert any("/acknowledge/" in href for href in links), rows
    for href in links:  # the task page takes the trainee on to the form
        assert client.get(href, follow=True).status_code == 200


def test_the_training_record_takes_as_many_queries_for_20_events_as_for_1(
    world, login, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from approvals.models import ApprovalRequest
    from dispatch.models import Dispatch, Filing, Makeup

    def add_events(person, n):
        for i in range(n):
            klass = training_class(
                world.city_od, world.school, dt.date(2025, 1, 6) + dt.timedelta(days=7 * i)
            )
            dispatch = Dispatch.objects.create(
                training_class=klass,
                cadre=person,
                unit=person.unit,
                status="deferred",
                confirm_due=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
            )
            ApprovalRequest.objects.create(
                kind="deferral",
                subject=dispatch,
                title="缓训",
                reason="工作需要",
                requested_by=world.bob,
            )
            Makeup.objects.create(
                cadre=person, source=dispatch, reason="deferral", due_date=dt.date(2026, 1, 1)
            )
            filing = Filing.objects.create(
                unit=person.unit,
                title=f"报备{i}",
                organizer_name="某单位",
                start_date=klass.start_date,
                end_date=klass.start_date,
                hours=8,
                filed_by=world.bob,
            )
            filing.participants.add(person)
            credit(person, 2, klass.start_date, kind="online")

    one = cadre("一条", world.a, world.city_od, category="civil_servant")
    many = cadre("二十条", world.a, world.city_od, category="civil_servant")
    add_events(one, 1)
    add_events(many, 20)
    client = login(world.bob)
    client.get(f"/cadres/{one.pk}/record/")  # warm the caches (content types, templates)
    counts = []
    for person, lines in ((one, 5), (many, 100)):
        with CaptureQueriesContext(connection) as queries:
            page = client.get(f"/cadres/{person.pk}/record/").content.decode()
        assert len(timeline(page)) == lines
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    with django_assert_max_num_queries(24):
        client.get(f"/cadres/{many.pk}/record/?page=2")


@pytest.fixture
def spring():
    """Suggestions are evaluated as of the class's start: keep it in this calendar year."""
    import time_machine

    with time_machine.travel(dt.datetime(2026, 5, 1, 9, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def upcoming(world, spring):
    return training_class(
        world.city_od, world.school, dt.date.today() + dt.timedelta(days=40), name="新班"
    )


def test_suggestions_put_overdue_leaders_first_then_the_largest_shortfall(world, upcoming):
    cadre("老领导", world.a, world.city_od, category="county_leader", is_leadership_member=True)
    done = cadre("已达标", world.a, world.city_od, category="civil_servant")
    half = cadre("差一半", world.a, world.city_od, category="civil_servant")
    credit(done, 90, dt.date.today().replace(month=1, day=2))
    credit(half, 45, dt.date.today().replace(month=1, day=2))
    names = [s.cadre.name for s in suggest(world.bob, upcoming)]
    assert names[0] == "老领导"
    assert "已达标" not in names
    assert names.index("李玥") < names.index("差一半")  # nothing done vs half done
    first = suggest(world.bob, upcoming)[0]
    assert any("领导班子成员" in r for r in first.reasons)


def test_suggestions_exclude_clashes_and_outsiders(world, upcoming):
    from django.utils import timezone

    from dispatch import services
    from dispatch.models import RollCall

    overlapping = training_class(
        world.city_od, world.school, upcoming.start_date + dt.timedelta(days=1)
    )
    roll_call = RollCall.objects.create(
        training_class=overlapping,
        org_department=world.city_od,
        mode="named",
        response_deadline=timezone.now() + dt.timedelta(days=5),
        created_by=world.bob,
    )
    services.dispatches_create(actor=world.bob, roll_call=roll_call, cadres=[world.cadre_a1])
    names = {s.cadre.name for s in suggest(world.bob, upcoming)}
    assert "李玥" not in names and "王堃" in names
    assert {s.cadre.name for s in suggest(world.carol, upcoming)} <= {"张喆"}


def dispatched(person, klass, status="named"):
    from django.utils import timezone

    from dispatch.models import Dispatch

    return Dispatch.objects.create(
        training_class=klass,
        cadre=person,
        unit=person.unit,
        status=status,
        confirm_due=timezone.now(),
    )


def test_suggestions_exclude_cadres_already_dispatched_to_the_same_class(world, upcoming):
    named = cadre("已点名", world.a, world.city_od, category="civil_servant")
    deferred = cadre("已缓训", world.a, world.city_od, category="civil_servant")
    cancelled = cadre("已撤销", world.a, world.city_od, category="civil_servant")
    dispatched(named, upcoming)
    dispatched(deferred, upcoming, status="deferred")  # dispatched to a class only once
    dispatched(cancelled, upcoming, status="cancelled")  # a cancelled dispatch may be redone
    names = {s.cadre.name for s in suggest(world.bob, upcoming)}
    assert "已点名" not in names and "已缓训" not in names
    assert "已撤销" in names and "王堃" in names


def test_suggestions_are_evaluated_as_of_the_class_start(world, upcoming):
    clerk = cadre("今年达标", world.a, world.city_od, category="civil_servant")
    credit(clerk, 90, dt.date(2026, 3, 1))
    next_year = training_class(world.city_od, world.school, dt.date(2027, 2, 1))
    assert "今年达标" not in {s.cadre.name for s in suggest(world.bob, upcoming)}
    # By next year's class the 2026 hours no longer count for the yearly requirement.
    suggestions = {s.cadre.name: s for s in suggest(world.bob, next_year)}
    assert "今年达标" in suggestions and suggestions["今年达标"].gap == 1.0


def test_leaders_are_overdue_two_years_after_their_last_systematic_training(world, upcoming):
    recent = cadre(
        "近期受训", world.a, world.city_od, category="county_leader", is_leadership_member=True
    )
    long_ago = cadre(
        "久未受训", world.a, world.city_od, category="county_leader", is_leadership_member=True
    )
    young = cadre("年轻干部", world.a, world.city_od, category="civil_servant", is_young_cadre=True)
    dispatched(
        recent,
        training_class(world.city_od, world.school, dt.date(2025, 3, 3), kind="main"),
        status="attended",
    )
    dispatched(
        long_ago,
        training_class(world.city_od, world.school, dt.date(2023, 3, 6), kind="thematic"),
        status="attended",
    )
    by_name = {s.cadre.name: s for s in suggest(world.bob, upcoming)}
    assert by_name["久未受训"].priority == 1
    assert any("2023-03-10" in r for r in by_name["久未受训"].reasons)
    assert by_name["近期受训"].priority == 3  # short of hours, but trained last year
    assert by_name["年轻干部"].priority == 2 and by_name["年轻干部"].cadre == young
    assert len(by_name["年轻干部"].reasons) == 2  # not rotated in 5 years; short of hours
    names = list(by_name)
    assert names.index("久未受训") < names.index("年轻干部") < names.index("近期受训")


def test_suggestions_take_a_few_queries_and_stop_at_the_limit(
    world, upcoming, django_assert_max_num_queries
):
    for i in range(40):
        cadre(
            f"干部{i}",
            world.a1,
            world.city_od,
            category="civil_servant" if i % 3 else "county_leader",
        )
    with django_assert_max_num_queries(4):  # the rules, then one ranked query per rule set
        top = suggest(world.bob, upcoming, limit=10)
    assert len(top) == 10


def test_the_candidates_page_is_for_the_organizers_dispatchers(world, login, upcoming):
    page = login(world.bob).get(f"/classes/{upcoming.pk}/candidates/").content.decode()
    assert "王堃" in page and "开班日（2026年6月10日）" in page
    assert login(world.carol).get(f"/classes/{upcoming.pk}/candidates/").status_code == 404
    assert login(world.rita).get(f"/classes/{upcoming.pk}/candidates/").status_code == 403


def test_the_compliance_report_follows_the_jurisdiction(
    world, login, django_assert_max_num_queries
):
    for i in range(20):
        cadre(f"干部{i}", world.a1, world.city_od)
    client = login(world.alice)
    # Session, user, reach, rules, the ranked page (with its count), its evaluation (two
    # sets of rules), unit names, menu, inbox and the session save: flat, however many.
    with django_assert_max_num_queries(14):
        page = client.get("/compliance/").content.decode()
    assert "王堃" in page and "张喆" not in page
    assert "集中培训（" in page and "-concentrated" not in page and "B类" in page
    assert client.get(f"/compliance/?unit={world.b.pk}").status_code == 404
    assert login(world.nobody).get("/compliance/").status_code == 403


def report_names(page: str) -> list[str]:
    import re

    return re.findall(r'<a href="/cadres/\d+/record/">([^<]+)</a>', page)


def test_the_compliance_report_puts_the_worst_status_and_largest_shortfall_first(world, login):
    """As of the last day of 2026: short before at risk before on track before met, and
    within a status the largest shortfall first (not the name)."""
    as_of = "2026-12-31"
    for name, hours in [
        ("甲满", 90),
        ("乙差十", 80),
        ("丙差一", 89),
        ("丁差半", 45),
        ("戊差七成", 27),
    ]:
        person = cadre(name, world.a1, world.city_od, category="civil_servant")
        credit(person, hours, dt.date(2026, 3, 1))
    page = login(world.bob).get(f"/compliance/?unit={world.a1.pk}&as_of={as_of}")
    names = report_names(page.content.decode())
    # 李玥 (group A, nothing done) is short by all of it; 戊 by 70 %, 丁 by half; then
    # at risk: 乙 (11 %) before 丙 (1 %); then met.
    assert names == ["李玥", "戊差七成", "丁差半", "乙差十", "丙差一", "甲满"]


def test_the_compliance_report_pages_in_sql(world, login, monkeypatch):
    """150 cadres: page 1 has the 100 worst, page 2 the other 50; only a page's cadres are
    evaluated in full, and the ranked query carries the LIMIT."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ledger import compliance

    for i in range(150):
        person = cadre(f"干部{i:03d}", world.a1, world.city_od, category="civil_servant")
        credit(person, i % 90, dt.date(2026, 3, 1))
    evaluated = []
    original = compliance.evaluate

    def spy(cadres, *args, **kwargs):
        rows = original(cadres, *args, **kwargs)
        evaluated.append(len(rows))
        return rows

    monkeypatch.setattr(compliance, "evaluate", spy)
    client = login(world.bob)
    url = f"/compliance/?unit={world.a1.pk}&as_of=2026-12-31"
    with CaptureQueriesContext(connection) as queries:
        first = report_names(client.get(url).content.decode())
    assert len(first) == 100 and max(evaluated) <= 100
    assert any("LIMIT 100" in q["sql"] and "UNION ALL" in q["sql"] for q in queries)
    second = report_names(client.get(url + "&page=2").content.decode())
    assert len(second) == 51  # 150 + 李玥
    assert not set(first) & set(second)
    # Short (under 67.5 of 90 hours: 128 cadres and 李玥, group A, nothing done) before
    # at risk (68–89 hours: 22), the largest shortfall first within each.
    assert {"干部000", "干部090", "李玥"} == set(first[:3])
    assert second[-22:] == [f"干部{i:03d}" for i in range(68, 90)]
    # A status filter pages the same way.
    short = client.get(url + "&status=short&page=2").content.decode()
    assert len(report_names(short)) == 29 and "第2页，共2页" in short
    at_risk = report_names(client.get(url + "&status=at_risk").content.decode())
    assert at_risk == [f"干部{i:03d}" for i in range(68, 90)]


def csv_upload(rows, name="hours.csv"):
    text = "身份证号码,姓名,学习日期,学时,课程,平台\n" + "\n".join(",".join(r) for r in rows)
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def test_an_import_with_errors_previews_them_and_imports_nothing(world, login):
    client = login(world.bob)
    a = world.cadre_a.id_number
    rows = [
        [a, "王堃", "2026-03-01", "2", "党史", "网院"],
        [a, "王堃", "2026-03-01", "2", "党史", "网院"],  # duplicate row
        ["110105194912310021", "某人", "2026-03-01", "2", "党史", "网院"],  # bad ID
        [
            world.cadre_b.id_number,
            "张喆",
            "2026-03-01",
            "2",
            "党史",
            "网院",
        ],  # allowed: county is in reach
        [world.cadre_a1.id_number, "李玥", "2026-03-02", "-1", "党史", "网院"],  # negative
        [world.cadre_a1.id_number, "李玥", "2026-03-02", "500", "党史", "网院"],  # absurd
    ]
    response = client.post("/hours/import/", {"file": csv_upload(rows)})
    assert response.status_code == 302
    hour_import = HourImport.objects.get()
    lines = {e["line"]: e["errors"] for e in hour_import.errors}
    assert set(lines) == {3, 4, 6, 7}
    page = client.get(response.url).content.decode()
    assert "重复" in page and "身份证" in page
    assert client.post(response.url).status_code == 302
    assert not HourRecord.objects.exists()


def test_a_clean_import_commits_every_row_once(world, login):
    client = login(world.bob)
    rows = [
        [world.cadre_a.id_number, "王堃", "2026-03-01", "2.5", "党史", "网院"],
        [world.cadre_a1.id_number, "李玥", "2026-03-01", "3", "党史", "网院"],
    ]
    response = client.post("/hours/import/", {"file": csv_upload(rows)})
    client.post(response.url)
    assert HourRecord.objects.filter(kind="online").count() == 2
    # The same file again: every row is already imported, nothing is counted twice.
    response = client.post("/hours/import/", {"file": csv_upload(rows)})
    assert len(HourImport.objects.latest("id").errors) == 2
    client.post(response.url)
    assert HourRecord.objects.count() == 2


def test_the_import_accepts_excel(world, login, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["身份证号码", "姓名", "学习日期", "学时", "课程", "平台"])
    sheet.append([world.cadre_a.id_number, "王堃", dt.date(2026, 3, 1), 4, "党章", "网院"])
    path = tmp_path / "hours.xlsx"
    book.save(path)
    client = login(world.bob)
    response = client.post(
        "/hours/import/", {"file": SimpleUploadedFile("hours.xlsx", path.read_bytes())}
    )
    client.post(response.url)
    assert HourRecord.objects.get().hours == 4


def test_outsiders_cannot_import_or_see_an_import(world, login):
    rows = [[world.cadre_b.id_number, "张喆", "2026-03-01", "2", "党史", "网院"]]
    carol = login(world.carol)
    response = carol.post("/hours/import/", {"file": csv_upload(rows)})
    assert login(world.alice).get("/hours/import/").status_code == 403
    assert login(world.bob).get(response.url).status_code == 404  # someone else's upload
    # Carol cannot credit a city cadre.
    login(world.carol).post(
        "/hours/import/",
        {"file": csv_upload([[world.cadre_a.id_number, "王堃", "2026-03-01", "2", "a", "b"]])},
    )
    assert HourImport.objects.latest("id").errors


def test_a_broken_file_gets_a_clear_message(world, login):
    client = login(world.bob)
    response = client.post(
        "/hours/import/", {"file": SimpleUploadedFile("x.xlsx", b"not a workbook")}
    )
    assert response.status_code == 200
    assert "Excel" in response.content.decode()
    assert not HourImport.objects.exists()
    assert Cadre.objects.exists()


def test_odd_input_gets_a_clear_answer_not_a_crash(world, login):
    client = login(world.bob)
    assert client.get("/cadres/?unit=²").status_code == 200
    assert client.get("/compliance/?unit=²").status_code == 200
    bad_text = SimpleUploadedFile("h.csv", "身份证号码,学习日期,学时\n".encode("utf-16"))
    response = client.post("/hours/import/", {"file": bad_text})
    assert response.status_code == 200 and "UTF-8" in response.content.decode()
    alice = login(world.alice)
    assert alice.post("/delegations/", {"revoke": "abc"}).status_code == 404
    client = login(world.bob)
    response = client.post(
        "/workflow/rollcall/start/",
        {
            "training_class": "",
            "mode": "quota",
            "response_deadline": "",
            "allocations": "code ²",
        },
    )
    assert response.status_code == 200


# Hour recognition: the same hours cannot be asked for twice.


def recognition_post(client, person, **changes):
    data = {
        "cadre": person.pk,
        "date": (dt.date.today() - dt.timedelta(days=30)).isoformat(),
        "hours": "24",
        "kind": "concentrated",
        "provider": "中国干部网络学院",
        "reason": "参加省委党校专题班",
    }
    data.update(changes)
    return client.post("/workflow/recognition/start/", data)


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


def preview_lines(page: str) -> dict[int, str]:
    import re

    return {
        int(line): re.sub(r"<[^>]+>", " ", cells)
        for line, cells in re.findall(r'<tr data-line="(\d+)"[^>]*>(.*?)</tr>', page, re.S)
    }


def test_the_import_preview_shows_each_kind_of_error_on_its_line(world, login):
    client = login(world.bob)
    a, a1, b = world.cadre_a.id_number, world.cadre_a1.id_number, world.cadre_b.id_number
    earlier = client.post(
        "/hours/import/", {"file": csv_upload([[a, "王堃", "2026-03-01", "2", "党史", "网院"]])}
    )
    client.post(earlier.url)
    assert HourRecord.objects.count() == 1
    rows = [
        [a, "王堃", "2026-03-01", "2", "党史", "网院"],  # 2: already imported
        ["110105194912310021", "某人", "2026-03-01", "2", "党史", "网院"],  # 3: unknown ID
        [a1, "李玥", "2026-03-02", "-1", "党史", "网院"],  # 4: negative
        [a1, "李玥", "2026-03-02", "500", "党章", "网院"],  # 5: absurd
        [a1, "李玥", "2026-03-02", "0.04", "条例", "网院"],  # 6: too precise (would be 0.0)
        [a, "王堃", "2026-03-03", "2", "党章", "网院"],  # 7: fine
        [a, "王堃", "2026-03-03", "2", "党章", "网院"],  # 8: duplicate of line 7
        [b, "张喆", "2026-03-04", "24", "课一", "网院"],  # 9: fine alone
        [b, "张喆", "2026-03-04", "24", "课二", "网院"],  # 10: 48 h on one day
        [a, "王堃", "2026-03-01", "23", "课三", "网院"],  # 11: 25 h with the ledger's 2
        [a1, "李玥", "2026-03-05", "2.50", "课四", "网院"],  # 12: fine (one decimal place)
    ]
    response = client.post("/hours/import/", {"file": csv_upload(rows)})
    lines = preview_lines(client.get(response.url).content.decode())
    expected = {
        2: "已导入过",
        3: "身份证号码不存在",
        4: "学时必须大于0",
        5: "单行学时超过24",
        6: "小数",
        8: "与前面的行重复",
        10: "48",
        11: "25",
    }
    for line, text in expected.items():
        assert text in lines[line], (line, lines[line])
    assert "24" in lines[10] and "当天" in lines[10] and "当天" in lines[11]
    for fine in (7, 9, 12):
        assert (
            "errorlist" not in lines[fine]
            and not HourImport.objects.latest("id").rows[fine - 2]["errors"]
        )
    assert {e["line"] for e in HourImport.objects.latest("id").errors} == set(expected)
    # All or nothing: the rows without errors are not imported either.
    client.post(response.url)
    assert HourRecord.objects.count() == 1


def test_a_too_precise_hour_is_never_stored_rounded(world, login):
    client = login(world.bob)
    row = [world.cadre_a.id_number, "王堃", "2026-03-01", "0.04", "党史", "网院"]
    response = client.post("/hours/import/", {"file": csv_upload([row])})
    assert HourImport.objects.get().errors
    client.post(response.url)
    assert not HourRecord.objects.exists()


def test_hours_imported_meanwhile_count_towards_the_day_at_commit(world, login):
    client = login(world.bob)
    a = world.cadre_a.id_number
    first = client.post(
        "/hours/import/", {"file": csv_upload([[a, "王堃", "2026-03-01", "20", "党史", "网院"]])}
    )
    second = client.post(
        "/hours/import/", {"file": csv_upload([[a, "王堃", "2026-03-01", "10", "党章", "网院"]])}
    )
    client.post(second.url)
    assert HourRecord.objects.count() == 1
    page = client.post(first.url, follow=True).content.decode()
    assert "其间已为" in page
    assert HourRecord.objects.count() == 1
