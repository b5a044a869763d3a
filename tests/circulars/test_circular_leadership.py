"""The yearly circular reports the leadership-team and young-cadre training cycles
(issue 12 item 5) at the year's end, from the cycle rules, for the department's cadres."""

import datetime as dt

from circulars import yearly
from tests.factories import cadre

YEAR = (dt.date(2026, 1, 1), dt.date(2026, 12, 31))


def test_the_yearly_figures_count_leaders_and_young_cadres(world):
    cadre("李领导", world.a, world.city_od, is_leadership_member=True)
    cadre("赵青年", world.a1, world.city_od, is_young_cadre=True)
    figures = yearly.yearly_figures(world.city_od, *YEAR)
    cycles = figures["leadership"]
    assert cycles["leaders"] == 1 and cycles["leaders_met"] == 0
    assert cycles["young"] == 1
    body, _attachments = yearly.yearly_blocks(figures, "2026年")
    text = "".join(str(getattr(block, "text", "")) for block in body)
    # Both leadership rules: the systematic training and the concentrated days.
    assert "领导班子成员1人，0人达到培训周期要求（系统培训和集中培训天数），达标率0.0%" in text
    assert "优秀年轻干部1人" in text


def test_a_department_without_leaders_or_young_cadres_gets_no_such_section(world):
    figures = yearly.yearly_figures(world.city_od, *YEAR)
    body, _attachments = yearly.yearly_blocks(figures, "2026年")
    assert not any("领导班子成员" in str(getattr(block, "text", "")) for block in body)


def test_a_quarter_has_no_yearly_sections(world):
    assert yearly.yearly_figures(world.city_od, dt.date(2026, 1, 1), dt.date(2026, 3, 31)) is None
