"""The circular names its absentees as an official would: by class, then by unit, each
class and unit once (not "（甲班）" after every name), and read back from the PDF, no
line ends inside a name or inside 附件3."""

import datetime as dt

import pytest

from notifications.documents import circular as circular_document
from notifications.documents.context import Issuer
from notifications.documents.render import render_pdf
from tests.pdftools import sized_lines

ISSUER = Issuer(name="中共某市委组织部", code="X组通")
SPRING = "2026年春季学期处级干部进修班"
AUTUMN = "2026年秋季学期科级干部专题研修班"
NAMES = [
    "陈镕",
    "孙伟",
    "欧阳明远",
    "胡伟",
    "刘伟",
    "林伟",
    "何伟",
    "黄伟",
    "罗伟",
    "赵伟",
    "钱伟",
    "周伟",
]


def _circular(units: list[str], count: int = len(NAMES)):
    people = [
        {"unit": units[n % len(units)], "name": name, "missed_class": SPRING if n < 7 else AUTUMN}
        for n, name in enumerate(NAMES[:count])
    ]
    people.sort(key=lambda p: (p["missed_class"] != SPRING, units.index(p["unit"])))
    figures = [
        circular_document.UnitFigures(unit=unit, expected=20, attended=20 - n, absent=n)
        for unit in units
        for n in [sum(p["unit"] == unit for p in people)]
    ]
    return circular_document.circular(
        issuer=ISSUER,
        period="2026年第三季度",
        period_end=dt.date(2026, 9, 30),
        figures=figures,
        date=dt.date(2026, 10, 8),
        absentees=people,
    )


def _absentee_paragraph(context) -> str:
    text = circular_document.body_text(context.body)
    return next(line for line in text.splitlines() if "无故缺训，予以通报" in line)


def test_each_class_and_each_unit_is_named_once_with_its_people():
    text = _absentee_paragraph(_circular(["某局", "某委"], count=5))
    assert text == (
        f"以下同志无故缺训，予以通报：在{SPRING}中，某局陈镕、欧阳明远、刘伟，某委孙伟、胡伟。"
        "请所在单位督促其按要求补训。"
    )


def test_more_than_ten_are_counted_after_the_first_ten_by_class():
    text = _absentee_paragraph(_circular(["某局", "某委"]))
    assert text.count(SPRING) == 1 and text.count(AUTUMN) == 1
    assert f"在{SPRING}中，某局陈镕、欧阳明远、刘伟、何伟，某委孙伟、胡伟、林伟；" in text
    # the first ten named (赵伟 and 周伟, the 11th and 12th, left to the list)
    assert f"在{AUTUMN}中，某局罗伟、钱伟，某委黄伟等12人次（名单详见附件3）。" in text
    assert "赵伟" not in text and "周伟" not in text


def _body_lines(data: bytes) -> list[str]:
    return ["".join(c["text"] for c in chars) for _, _, chars in sized_lines(data)]


# Unit names of several lengths move the names across the ends of the lines.
@pytest.mark.parametrize(
    "unit", ["某局", "某市财政局", "某市发展和改革委员会", "某市人力资源和社会保障局"]
)
def test_no_line_ends_inside_a_name_or_inside_the_attachments_number(unit):
    context = _circular([unit, "某市交通运输局", "青山县人民政府"])
    paragraph = _absentee_paragraph(context)
    lines = _body_lines(render_pdf(context, document_number="X组通〔2026〕2号").data)
    first = next(n for n, line in enumerate(lines) if paragraph.startswith(line))
    offset, cuts = 0, []
    for line in lines[first:]:
        offset += len(line)
        if offset >= len(paragraph):
            break
        cuts.append(offset)
    assert "".join(lines[first:])[: len(paragraph)] == paragraph
    kept = [name for name in NAMES if name in paragraph] + ["附件3"]
    assert len(kept) == 11  # ten names and the attachment
    spans = [(paragraph.find(word), paragraph.find(word) + len(word)) for word in kept]
    for cut in cuts:
        assert not any(start < cut < end for start, end in spans), (cut, lines[first:])
