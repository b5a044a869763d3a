"""The page of the training cycles of leadership-team members and outstanding young
cadres (/compliance/cycles/, issue 12): each cadre in reach against the rules in force,
at and around each edge; a revised rule changes the answer; filters, pages and the
download agree; outsiders see nothing of other jurisdictions; a flat number of queries."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext

from dispatch.leadership import CycleStatus, cycle_report
from ledger.models import CadreCycleRule
from ledger.services import rule_revise
from org.models import Cadre
from tests.exports.sheets import by_header, csv_by_header, xlsx
from tests.factories import attended, cadre, credit

AS_OF = dt.date(2026, 6, 10)
URL = "/compliance/cycles/"
ON = f"{URL}?as_of={AS_OF.isoformat()}"


def leader(world, name, unit=None, days=60, ended=None):
    """A leadership-team member with `days` of concentrated training in the window and,
    if `ended`, a main class that ended that day."""
    unit = unit or world.a
    managing = world.county_od if unit == world.b else world.city_od
    person = cadre(name, unit, managing, category="county_leader", is_leadership_member=True)
    if days:
        credit(person, Decimal(days) * 8, dt.date(2024, 1, 10), days=Decimal(days))
    if ended:
        attended(world, person, ended - dt.timedelta(days=4))
    return person


def young(world, name, since=None, unit=None):
    unit = unit or world.a
    managing = world.county_od if unit == world.b else world.city_od
    return cadre(name, unit, managing, is_young_cadre=True, young_cadre_since=since)


def statuses(report):
    return {row.name: row.statuses for row in report.rows}


def page_rows(response):
    assert response.status_code == 200, response.status_code
    return {row.name: row.statuses for row in response.context["page"]}


# -- leadership-team members -----------------------------------------------------------------


def test_systematic_training_exactly_three_years_ago_is_met_one_day_more_is_overdue(world, login):
    leader(world, "三年整", ended=dt.date(2023, 6, 10))
    leader(world, "差一天", ended=dt.date(2023, 6, 9))
    rows = page_rows(login(world.bob).get(ON))
    assert rows == {
        "三年整": (CycleStatus.MET,),
        "差一天": (CycleStatus.SYSTEMATIC_OVERDUE,),
    }


@pytest.mark.parametrize(
    "days, expected",
    [("60", (CycleStatus.MET,)), ("59.9", (CycleStatus.DAYS_SHORT,))],
)
def test_concentrated_days_at_the_minimum_are_met_below_it_short(world, days, expected):
    leader(world, "领导", days=days, ended=dt.date(2025, 3, 7))
    report = cycle_report(Cadre.objects.all(), AS_OF)
    assert statuses(report) == {"领导": expected}
    assert report.rows[0].leader.days == float(days) and report.rows[0].min_days == 60.0


def test_a_member_never_trained_and_short_of_days_stands_in_both(world, login):
    leader(world, "从未受训", days=10)
    rows = page_rows(login(world.bob).get(ON))
    assert rows["从未受训"] == (CycleStatus.SYSTEMATIC_OVERDUE, CycleStatus.DAYS_SHORT)
    page = login(world.bob).get(ON).content.decode()
    assert "10.0 / 60" in page


def test_a_rule_revised_to_two_years_changes_the_answer(world, login):
    leader(world, "两年半", ended=dt.date(2023, 12, 5))
    assert page_rows(login(world.bob).get(ON)) == {"两年半": (CycleStatus.MET,)}
    rule = CadreCycleRule.objects.get(kind="leader_systematic", effective_to__isnull=True)
    rule_revise(actor=None, rule=rule, effective_from=dt.date(2026, 1, 1), years=2)
    response = login(world.bob).get(ON)
    assert page_rows(response) == {"两年半": (CycleStatus.SYSTEMATIC_OVERDUE,)}
    page = response.content.decode()
    assert "每2年至少参加1次系统培训" in page and "第2版" in page
    # Before the revision the first version still judges.
    earlier = login(world.bob).get(f"{URL}?as_of=2025-12-31")
    assert page_rows(earlier) == {"两年半": (CycleStatus.MET,)}
    assert "每3年至少参加1次系统培训" in earlier.content.decode()


# -- outstanding young cadres ----------------------------------------------------------------


def test_young_cadres_within_their_deadline_are_pending_after_it_overdue(world, login):
    young(world, "在期内", since=dt.date(2024, 1, 1))  # due 2029-01-01
    young(world, "今日到期", since=dt.date(2021, 6, 10))  # due 2026-06-10: still in time
    young(world, "逾期未训", since=dt.date(2021, 6, 9))  # due 2026-06-09
    rotated = young(world, "已轮训", since=dt.date(2024, 1, 1))
    attended(world, rotated, dt.date(2025, 5, 5))
    response = login(world.bob).get(ON)
    assert page_rows(response) == {
        "在期内": (CycleStatus.YOUNG_PENDING,),
        "今日到期": (CycleStatus.YOUNG_PENDING,),
        "逾期未训": (CycleStatus.YOUNG_OVERDUE,),
        "已轮训": (CycleStatus.MET,),
    }
    page = response.content.decode()
    assert "2026年6月10日" in page and "2029年1月1日" in page  # the deadlines
    assert "2025年5月9日" in page  # the class that rotated one ended


def test_a_young_leader_is_one_row_with_both_groups(world):
    person = leader(world, "青年领导", ended=dt.date(2025, 3, 7))
    Cadre.objects.filter(pk=person.pk).update(is_young_cadre=True)
    report = cycle_report(Cadre.objects.all(), AS_OF)
    [row] = report.rows
    assert row.groups == ["领导班子成员", "优秀年轻干部"] and row.met
    assert cycle_report(Cadre.objects.all(), AS_OF, group="young").rows[0].leader is None


# -- filters, counts, pages ------------------------------------------------------------------


def _mixed(world):
    leader(world, "达标领导", ended=dt.date(2025, 3, 7))
    leader(world, "逾期领导", ended=dt.date(2020, 3, 7))
    young(world, "期内青年", since=dt.date(2024, 1, 1))
    rotated = young(world, "轮训青年", since=dt.date(2024, 1, 1))
    attended(world, rotated, dt.date(2025, 5, 5))


@pytest.mark.parametrize(
    "query, names",
    [
        ("", {"达标领导", "逾期领导", "期内青年", "轮训青年"}),
        ("&group=leaders", {"达标领导", "逾期领导"}),
        ("&group=young", {"期内青年", "轮训青年"}),
        ("&status=met", {"达标领导", "轮训青年"}),
        ("&status=unmet", {"逾期领导", "期内青年"}),
        ("&group=leaders&status=unmet", {"逾期领导"}),
    ],
)
def test_the_filters_pick_the_group_and_met_or_not(world, login, query, names):
    _mixed(world)
    assert set(page_rows(login(world.bob).get(ON + query))) == names


def test_the_counts_are_of_the_group_whatever_the_status_filter(world, login):
    _mixed(world)
    report = login(world.bob).get(ON + "&status=met").context["report"]
    assert report.counts == {
        "met": 2,
        "systematic_overdue": 1,
        "days_short": 0,
        "young_pending": 1,
        "young_overdue": 0,
        "young_late": 0,
        "unmet": 2,
    }
    report = login(world.bob).get(ON + "&group=young").context["report"]
    assert (report.counts["met"], report.counts["unmet"]) == (1, 1)


def test_the_rows_link_the_training_record_and_show_no_id_number(world, login):
    person = leader(world, "档案领导", ended=dt.date(2025, 3, 7))
    page = login(world.bob).get(ON).content.decode()
    assert f'href="/cadres/{person.pk}/record/"' in page
    assert person.id_number not in page and person.masked_id_number not in page
    assert "每3年至少参加1次系统培训" in page and "5年内累计集中培训不少于60天" in page
    assert "第1版" in page


def test_fifty_rows_a_page_and_the_next_keeps_the_filters(world, login):
    for n in range(51):
        leader(world, f"领导{n:02d}", ended=dt.date(2020, 3, 7))
    young(world, "青年", since=dt.date(2024, 1, 1))
    client = login(world.bob)
    response = client.get(ON + "&group=leaders")
    assert len(response.context["page"]) == 50
    page = response.content.decode()
    assert 'href="?as_of=2026-06-10&amp;group=leaders&amp;page=2"' in page
    second = client.get(ON + "&group=leaders&page=2")
    assert [row.name for row in second.context["page"]] == ["领导50"]


def test_a_bad_day_is_a_form_error_not_a_crash(world, login):
    leader(world, "领导")
    response = login(world.bob).get(f"{URL}?as_of=2026-13-01")
    assert response.status_code == 200 and list(response.context["page"]) == []


def test_without_a_day_it_is_evaluated_today(world, login):
    leader(world, "领导", days=0)
    response = login(world.bob).get(URL)
    assert response.context["report"].as_of == timezone.localdate()
    assert page_rows(response) == {"领导": (CycleStatus.SYSTEMATIC_OVERDUE, CycleStatus.DAYS_SHORT)}


# -- who sees what ---------------------------------------------------------------------------


def test_each_jurisdiction_sees_only_its_own_cadres(world, login):
    leader(world, "市里领导", ended=dt.date(2025, 3, 7))
    leader(world, "县里领导", unit=world.b, ended=dt.date(2025, 3, 7))
    young(world, "县里青年", since=dt.date(2024, 1, 1), unit=world.b)
    assert set(page_rows(login(world.bob).get(ON))) == {"市里领导", "县里领导", "县里青年"}
    assert set(page_rows(login(world.carol).get(ON))) == {"县里领导", "县里青年"}
    assert set(page_rows(login(world.alice).get(ON))) == {"市里领导"}
    assert set(page_rows(login(world.charlie).get(ON))) == {"县里领导", "县里青年"}
    rows = csv_by_header(login(world.carol).get(ON + "&format=csv"))
    assert {row["姓名"] for row in rows} == {"县里领导", "县里青年"}


def test_a_trainee_and_a_user_without_a_role_are_refused(world, login):
    assert login(world.dave).get(URL).status_code == 403
    assert login(world.nobody).get(URL).status_code == 403
    assert login(world.dave).get(URL + "?format=csv").status_code == 403


def test_a_visitor_is_sent_to_sign_in(world, client):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_compliance_report_links_the_page(world, login):
    assert f'href="{URL}"' in login(world.bob).get("/compliance/").content.decode()


# -- the download ----------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["", "&group=leaders", "&status=unmet", "&group=young"])
def test_the_download_has_the_rows_of_the_filtered_list(world, login, query):
    _mixed(world)
    for n in range(60):  # more than a page
        leader(world, f"批量{n:02d}", ended=dt.date(2020, 3, 7))
    client = login(world.bob)
    listed = client.get(ON + query).context["page"].paginator.count
    sheet = by_header(xlsx(client.get(ON + query + "&format=xlsx")))
    assert len(sheet) == listed
    rows = csv_by_header(client.get(ON + query + "&format=csv"))
    assert len(rows) == listed
    assert not any("身份证" in header for header in rows[0])


def test_the_download_reads_as_the_page(world, login):
    person = leader(world, "逾期领导", days=10, ended=dt.date(2020, 3, 7))
    Cadre.objects.filter(pk=person.pk).update(
        is_young_cadre=True, young_cadre_since=dt.date(2021, 6, 9)
    )
    [row] = by_header(xlsx(login(world.bob).get(ON + "&format=xlsx")))
    with translation.override("zh-hans"):
        cell = {header: row[gettext(header)].value for header in HEADERS}
    assert cell["Name"] == "逾期领导" and cell["Unit"] == world.a.name
    assert cell["Rules applied"] == "领导班子成员、优秀年轻干部"
    assert cell["Last systematic training ended"] == dt.datetime(2020, 3, 7)
    assert (cell["Concentrated days"], cell["minimum days"]) == (10, 60)
    assert cell["Flagged on"] == dt.datetime(2021, 6, 9)
    assert cell["Rotate by"] == dt.datetime(2026, 6, 9)
    with translation.override("zh-hans"):
        assert cell["Status"] == "；".join(
            str(CycleStatus(s).label) for s in ("systematic_overdue", "days_short", "young_overdue")
        )
    assert person.id_number not in [c.value for c in row.values()]
    assert person.masked_id_number not in [c.value for c in row.values()]


HEADERS = (
    "Name",
    "Unit",
    "Rules applied",
    "Last systematic training ended",
    "Concentrated days",
    "minimum days",
    "Flagged on",
    "Rotate by",
    "Status",
)


# -- a flat number of queries ----------------------------------------------------------------


@pytest.mark.parametrize("each", [1, 50])
def test_the_page_takes_the_same_queries_however_many_cadres(
    world, login, each, django_assert_max_num_queries
):
    for n in range(each):
        leader(world, f"领导{n:02d}", days=10 if n % 2 else 60, ended=dt.date(2023, 6, 9 + n % 2))
        young(world, f"青年{n:02d}", since=dt.date(2021, 6, 9 + n % 2))
    client = login(world.bob)
    client.get(ON)  # the grant roots remembered, as on any later page
    with django_assert_max_num_queries(10):
        response = client.get(ON)
    assert response.context["page"].paginator.count == 2 * each
    with django_assert_max_num_queries(9):
        sheet = by_header(xlsx(client.get(ON + "&format=xlsx")))
    assert len(sheet) == 2 * each
