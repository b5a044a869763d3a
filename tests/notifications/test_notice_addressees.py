"""A notice addressed to one unit asks 你单位, one addressed to several units or to a
group asks 各单位; where the class is held reads 中共XX市委党校（XX市行政学院），地址为… —
never two brackets back to back. Read back from the rendered PDF."""

import datetime as dt
import io

import pdfplumber
import pytest

from notifications.documents import builders
from notifications.documents.context import Issuer
from notifications.documents.render import render_pdf
from tests.pdftools import flat, text

ISSUER = Issuer(name="中共XX市委组织部", code="X组通")
CLASS = {
    "name": "全市县处级干部进修班",
    "start_date": dt.date(2027, 3, 1),
    "end_date": dt.date(2027, 3, 30),
    "report_date": dt.date(2027, 2, 28),
    "location": "XX市新华路88号",
    "institution": "中共XX市委党校（XX市行政学院）",
    "credit_hours": "180",
}
WANG = {"name": "王堃", "unit": "XX市农业农村局", "position": "副局长", "id_number": ""}
LI = {"name": "李玥", "unit": "XX市教育局", "position": "处长", "id_number": ""}


def makeup_row(cadre):
    return {**cadre, "missed_class": "全市中青年干部培训班", "reason": "缺训"}


def dispatch_text(cadres, training_class=CLASS, **extra) -> str:
    context = builders.dispatch_notice(
        issuer=ISSUER,
        training_class=training_class,
        cadres=cadres,
        date=dt.date(2027, 2, 1),
        **extra,
    )
    return flat(render_pdf(context, document_number="X组通〔2027〕5号").data)


def makeup_text(cadres, **extra) -> str:
    context = builders.makeup_notice(
        issuer=ISSUER,
        makeup_class=CLASS,
        cadres=[makeup_row(c) for c in cadres],
        date=dt.date(2027, 2, 1),
        **extra,
    )
    return flat(render_pdf(context, document_number="X组通〔2027〕6号").data)


def test_a_dispatch_notice_to_one_unit_asks_that_unit():
    text = dispatch_text([WANG])
    assert "XX市农业农村局：" in text
    assert "请你单位及时通知本人" in text
    # the reply slip asked for is the last of the numbered requirements (四、有关要求)
    assert "（三）请参训学员自带学习用品" in text
    assert "（四）请你单位于2027年2月25日前将参训回执（附件2）报送" in text
    assert "各单位" not in text


@pytest.mark.parametrize(
    "cadres, recipients",
    [
        ([WANG, LI], ()),  # two units, from the list
        ([WANG], ["市直各单位"]),  # one addressee line naming a group
        ([WANG], ["各县（市、区）委组织部"]),
        ([WANG], ["市直有关单位"]),
        ([WANG], ["XX市教育局、XX市财政局"]),
    ],
)
def test_a_dispatch_notice_to_several_units_or_a_group_asks_each(cadres, recipients):
    text = dispatch_text(cadres, recipients=recipients)
    assert "请各单位及时通知本人" in text
    assert "请各单位于2027年2月25日前" in text
    assert "你单位" not in text


def test_a_makeup_notice_asks_its_one_unit_or_each_of_several():
    assert "请你单位督促补训人员按上述补训时间参训" in makeup_text([WANG])
    assert "请各单位督促补训人员按上述补训时间参训" in makeup_text([WANG, LI])


def test_the_venue_names_the_institution_then_its_address_without_a_second_bracket():
    dispatch, makeup = dispatch_text([WANG]), makeup_text([WANG])
    venue = "中共XX市委党校（XX市行政学院），地址为XX市新华路88号"
    assert f"培训地点为{venue}。" in dispatch
    # no separate 报到 place: the same venue, its address said once
    assert "请参训学员于2027年2月28日到中共XX市委党校（XX市行政学院）报到。" in dispatch
    assert dispatch.count("地址为XX市新华路88号") == 1
    # the address once, then where to report, in a sentence that reads
    assert f"地点为{venue}。请于2027年2月28日到中共XX市委党校（XX市行政学院）报到。" in makeup
    assert "）（" not in dispatch and "）（" not in makeup


def test_a_report_place_of_its_own_is_kept_and_a_bare_location_printed_alone():
    text = dispatch_text([WANG], training_class={**CLASS, "report_place": "市委党校南门报到处"})
    assert "到市委党校南门报到处报到。" in text
    bare = dispatch_text([WANG], training_class={**CLASS, "institution": ""})
    assert "培训地点为XX市新华路88号。" in bare
    assert "地址为" not in bare


def test_one_addressee_given_as_a_line_of_text_is_one_unit():
    text = dispatch_text([WANG, LI], recipients="XX市农业农村局")
    assert "XX市农业农村局：" in text and "请你单位及时通知本人" in text


def _cadre_of(unit):
    return {"name": "赵喆", "unit": unit, "position": "科员", "id_number": ""}


def test_many_units_are_addressed_together_and_never_the_issuer_itself():
    """A roll call over a city's units would open with a page of addressees: more units
    than `MAX_ADDRESSEES` are 有关单位; the issuing department is no addressee of its own
    notice (its own staff named)."""
    few = [_cadre_of(f"XX市第{i}局") for i in range(1, builders.MAX_ADDRESSEES + 1)]
    text = dispatch_text([*few, _cadre_of(ISSUER.name)])
    assert "XX市第1局、" in text and f"XX市第{builders.MAX_ADDRESSEES}局：" in text
    assert f"{ISSUER.name}：" not in text and f"，{ISSUER.name}" not in text
    many = [*few, _cadre_of("XX市第99局")]
    text = dispatch_text(many)
    assert "有关单位：" in text and "XX市第1局，" not in text
    assert "请各单位及时通知本人" in text
    assert "有关单位：" in dispatch_text([_cadre_of(ISSUER.name)])


FIVE_UNITS = [
    "XX市城市建设投资集团有限公司",
    "XX市人力资源和社会保障局",
    "XX市发展和改革委员会",
    "XX市自然资源和规划局",
    "XX市住房和城乡建设局",
]


def test_the_addressees_are_joined_by_their_kind_and_never_broken_across_lines():
    # named units of a kind take 、 between them; a group is set off by ，
    context = builders.dispatch_notice(
        issuer=ISSUER,
        training_class=CLASS,
        cadres=[WANG],
        date=dt.date(2027, 2, 1),
        recipients=[*FIVE_UNITS, "市直有关单位"],
    )
    data = render_pdf(context, document_number="X组通〔2027〕7号").data
    lines = [line.replace(" ", "") for line in text(data).splitlines()]
    first = next(i for i, line in enumerate(lines) if line.startswith(FIVE_UNITS[0]))
    last = next(i for i in range(first, len(lines)) if lines[i].endswith("："))
    addressees = lines[first : last + 1]
    assert "".join(addressees) == "、".join(FIVE_UNITS) + "，市直有关单位："
    assert len(addressees) >= 3  # they wrap …
    for line in addressees[:-1]:
        assert line[-1] in "、，", addressees  # … only after a whole name
    # flush left and set solid: a line that ends early is not stretched to the edge
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        chars = [c for c in pdf.pages[0].chars if c["text"] in "司、" and c["size"] > 15]
    first_line = [c for c in chars if abs(c["top"] - chars[0]["top"]) < 1]
    assert [c["text"] for c in first_line] == ["司", "、"]
    assert first_line[1]["x0"] - first_line[0]["x1"] < 0.5


def test_an_addressee_as_long_as_a_line_stays_inside_the_type_area():
    name = "XX市城市建设投资集团有限公司基础设施建设管理分公司一部"  # 27.5 wide, and its ，
    context = builders.dispatch_notice(
        issuer=ISSUER,
        training_class=CLASS,
        cadres=[WANG],
        date=dt.date(2027, 2, 1),
        recipients=[name, "市直有关单位"],
    )
    data = render_pdf(context, document_number="X组通〔2027〕8号").data
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[0]
        right = max(c["x1"] for c in page.chars if abs(c["size"] - 16) < 0.5)
    assert right <= (28 + 156) * 72 / 25.4 + 1
    assert name + "，市直有关单位：" in flat(data)
