"""The compliance report shows what a rule is met by: the hours and, where the rule
allows days instead (group B: 90 hours or 12 days a year), the days — on the page and in
its download alike, the hours printed as every page prints them (89.5, not 90)."""

import csv
import datetime as dt
import io
from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext

from ledger import compliance
from org.models import Cadre
from tests.factories import cadre, credit

AS_OF = "as_of=2026-12-31"
LABEL = "集中培训（自然年度）"  # the group-B rule: 90 hours or 12 days a calendar year


def with_days(hours, days, required_days="12") -> str:
    with translation.override("zh-hans"):
        text = gettext("%(hours)s/%(required)s hours or %(days)s/%(required_days)s days")
        return f"{LABEL}：" + text % {
            "hours": hours,
            "required": "90",
            "days": days,
            "required_days": required_days,
        }


def downloaded(client, url) -> dict[str, dict]:
    response = client.get(url)
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    return {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}


def test_a_rule_met_by_its_days_shows_them_on_the_page_and_in_the_download(world, login):
    person = cadre("甲十二天", world.a1, world.city_od, category="civil_servant")
    credit(person, 72, dt.date(2026, 3, 1), days=Decimal("12"))
    client = login(world.bob)
    url = f"/compliance/?unit={world.a1.pk}&{AS_OF}&status=met"
    page = client.get(url).content.decode()
    assert "甲十二天" in page
    assert with_days("72", "12") in page
    rows = downloaded(client, url + "&format=csv")
    assert with_days("72", "12") in rows["甲十二天"]["指标完成情况"]


def test_the_download_prints_the_hours_the_page_prints(world, login):
    person = cadre("乙差半", world.a1, world.city_od, category="civil_servant")
    credit(person, Decimal("89.5"), dt.date(2026, 3, 1), days=Decimal("11"))
    client = login(world.bob)
    url = f"/compliance/?unit={world.a1.pk}&{AS_OF}"
    page = client.get(url).content.decode()
    row = downloaded(client, url + "&format=csv")["乙差半"]
    assert with_days("89.5", "11") in page
    assert with_days("89.5", "11") in row["指标完成情况"]
    assert "90/90" not in row["指标完成情况"]


def test_days_are_never_rounded_up_to_what_the_rule_requires(world):
    """Hours without days count at the rule's 8 hours a day: 95.6 hours are 11.95 days,
    printed 11.9 (not 12.0) beside the 12 days required."""
    person = cadre("丙", world.a1, world.city_od, category="civil_servant")
    credit(person, Decimal("95.6"), dt.date(2026, 3, 1))
    row = compliance.evaluate(Cadre.objects.filter(pk=person.pk), dt.date(2026, 12, 31))[0]
    assert compliance.indicators_text(row) == with_days("95.6", "11.9")


def test_a_rule_of_hours_alone_shows_no_days(world):
    """Group A's online rule (50 hours a year) has no alternative in days."""
    person = cadre("丁领导", world.a1, world.city_od, category="county_leader")
    credit(person, Decimal("20.5"), dt.date(2026, 3, 1), kind="online")
    row = compliance.evaluate(Cadre.objects.filter(pk=person.pk), dt.date(2026, 12, 31))[0]
    online = next(rule for rule in row["rules"] if rule["kind"] == "online")
    assert online["required_days"] is None
    with translation.override("zh-hans"):
        expected = gettext("%(hours)s/%(required)s hours") % {"hours": "20.5", "required": "50"}
    assert compliance.rule_progress(online) == f"网络自学（自然年度）：{expected}"
