"""The compliance report (/compliance/): within the jurisdiction, as of a chosen day, the
worst status and the largest shortfall first, paged in SQL."""

import datetime as dt

from tests.factories import cadre, credit


def test_the_compliance_report_follows_the_jurisdiction(
    world, login, django_assert_max_num_queries
):
    for i in range(20):
        cadre(f"干部{i}", world.a1, world.city_od)
    client = login(world.alice)
    # Session, user, reach, rules, the ranked page (with its count), its evaluation (two
    # sets of rules), unit names, menu, inbox and the session save: flat, however many.
    with django_assert_max_num_queries(15):
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


def test_the_report_page_is_evaluated_as_of_a_chosen_day(world, login, clerk):
    credit(clerk, 90, dt.date(2026, 4, 1))
    client = login(world.bob)
    page = client.get("/compliance/?as_of=2026-12-31&status=met").content.decode()
    assert "乙科员" in page and "2026年12月31日" in page
    page = client.get("/compliance/?as_of=2027-06-30&status=met").content.decode()
    assert "乙科员" not in page  # a new calendar year: nothing done yet
    page = client.get("/compliance/?as_of=2026-12-31&since=2026-05-01").content.decode()
    assert "集中培训（自然年度）：0/90" in page
    today = dt.date.today()
    page = client.get("/compliance/").content.decode()
    assert f"{today.year}年{today.month}月{today.day}日" in page


def test_the_report_page_refuses_a_period_ending_before_it_starts(world, login):
    client = login(world.bob)
    response = client.get("/compliance/?since=2026-06-01&as_of=2026-01-01")
    assert response.status_code == 200
    assert "截止日期不能早于起始日期" in response.content.decode()
    assert "王堃" not in response.content.decode()
    assert client.get("/compliance/?as_of=not-a-date").status_code == 200
