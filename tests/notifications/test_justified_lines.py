"""Body lines fill the type area (撑满版心): the room a line has left when it ends before a
number, or before a character that may not start a line, goes between its Chinese
characters, not to its right (notifications.documents.justify) — read back from the PDF."""

import itertools
import re

import pytest

from notifications.documents.context import DocumentContext, Issuer, Paragraph
from notifications.documents.render import MM, TRACKING, render_pdf
from notifications.documents.samples import SAMPLE_DATE
from tests.pdftools import sized_lines

RIGHT = (28 + 156) * MM  # the type area's right edge
LEFT = 28 * MM
# Numbers, Latin capitals and a paragraph's tail that would each leave a line short.
PARAGRAPHS = [
    "经研究，决定举办2026年春季学期处级干部进修班，培训时间为2026年3月16日至2026年4月10日，"
    "共26天，计160学时，培训地点为中共XX市委党校，地址为XX市新华路88号。",
    "截至2025年第四季度末，XX市发展和改革委员会、XX市人力资源和社会保障局等3个单位参训率达到"
    "100%，应补训12人次——均已按期完成补训……请各单位对照通报认真整改。",
    # a rare character (set in the fallback face, a run of its own) in a line that the
    # telephone number leaves well short
    "报到有关事宜请于2026年3月10日前联系王堃同志，联系电话：0000-12345678（办公室）。",
]


def _body_lines(paragraphs):
    """The 16 pt lines of a notice with `paragraphs` as its body, each a list of its
    characters left to right, top to bottom, page after page."""
    context = DocumentContext(
        issuer=Issuer(name="中共XX市委组织部", code="X组通"),
        title="关于干部调训情况的通报",
        date=SAMPLE_DATE,
        recipients=["各县（市、区）委组织部"],
        body=[Paragraph(text) for text in paragraphs],
    )
    data = render_pdf(context, document_number="X组通〔2026〕7号").data
    return [chars for _, _, chars in sized_lines(data)]


@pytest.fixture(scope="module")
def lines():
    """[(paragraph index, [chars of one line])] of the rendered body, in order."""
    body, paragraph = [], -1
    for chars in _body_lines(PARAGRAPHS):
        following = PARAGRAPHS[paragraph + 1] if paragraph + 1 < len(PARAGRAPHS) else None
        if following and _text(chars[:4]) == following[:4]:
            assert chars[0]["x0"] == pytest.approx(LEFT + 2 * 16 + 2 * TRACKING, abs=0.5)
            paragraph += 1
        elif paragraph >= 0 and chars[0]["x0"] > LEFT + 1:
            break  # the signature
        if paragraph >= 0:
            body.append((paragraph, chars))
    return body


def _text(chars):
    return "".join(c["text"] for c in chars)


def test_every_line_but_a_paragraphs_last_ends_at_the_right_edge(lines):
    for n, text in enumerate(PARAGRAPHS):
        own = [chars for p, chars in lines if p == n]
        assert _text(c for chars in own for c in chars) == text  # read back as written
        assert len(own) >= 2
        for chars in own[:-1]:
            # pdfplumber ends a glyph a full em after it starts; the tracking takes
            # TRACKING off each.
            assert chars[-1]["x1"] + TRACKING == pytest.approx(RIGHT, abs=0.75), _text(chars)
        assert own[-1][-1]["x1"] < RIGHT - 16  # the last line is not stretched


def test_the_room_goes_evenly_between_chinese_characters_not_into_numbers_or_dashes(lines):
    stretched = 0
    last = {p: chars for p, chars in lines}
    for p, chars in lines:
        if chars is last[p]:
            continue
        chinese, mixed = [], []  # the gaps between two full-width characters, and beside one
        for left, right in itertools.pairwise(chars):
            gap = right["x0"] - left["x1"] - TRACKING  # 0 when set solid
            if left["text"].isascii() and right["text"].isascii():
                assert gap == pytest.approx(0, abs=0.05), _text(chars)  # 2026, 160, XX
            elif left["text"] == right["text"] and left["text"] in "—…":
                assert gap == pytest.approx(0, abs=0.05)  # —— and …… stay whole
            elif left["text"].isascii() or right["text"].isascii():
                mixed.append(gap)
            else:
                chinese.append(gap)
        # even, through the rare character's run and the runs of numbers too; half as
        # much beside a number. Within a quarter of a point: a run set apart (a number
        # kept whole, 堃) loses up to 0.2 pt of the tracking at its edges.
        assert max(chinese) - min(chinese) < 0.25, (_text(chars), chinese)
        for gap in mixed:
            assert gap == pytest.approx(sum(chinese) / len(chinese) / 2, abs=0.25)
        stretched += min(chinese) > 0.2
        if "堃" in _text(chars):
            assert min(chinese) > 0.3  # the line the telephone number left short: spread
    assert stretched >= 2


# Two full lines (26 characters after the indent, then 28), and one character more.
TWO_LINES = (
    "为深入学习贯彻党的二十大精神，进一步提高干部队伍的政治素质和履职能力，"
    "经研究决定举办全市处级干部进修专题研修"
)


def _paragraph_lines(text):
    texts = [_text(chars) for chars in _body_lines([text])]
    first = next(i for i, line in enumerate(texts) if text.startswith(line))
    body = texts[first:]
    while "".join(body) != text:
        body.pop()
    return body


@pytest.mark.parametrize("last", ["班。", "班：”", "期"])
def test_a_paragraphs_last_line_never_holds_one_character_alone(last):
    assert len(TWO_LINES) == 54
    assert len(_paragraph_lines(TWO_LINES)) == 2  # the two lines are full
    lines = _paragraph_lines(TWO_LINES + last)
    assert len(lines) == 3
    assert len(lines[-1].rstrip("。：”")) >= 2, lines


FILLER = "各单位要切实履行调训主体责任严格执行调训计划统筹安排好工学关系确保被调训干部按时足额参训"


@pytest.mark.parametrize("shift", range(20, 28))
def test_a_line_never_ends_inside_a_date_or_a_number_with_its_unit(shift):
    text = FILLER[:shift] + "，请于2026年5月15日前报送参训回执，共计160学时。"
    groups = [(m.start(), m.end()) for m in re.finditer(r"2026年|5月15日|160学时", text)]
    lines = [_text(chars) for chars in _body_lines([text])]
    first = next(i for i, line in enumerate(lines) if text.startswith(line))
    offset, breaks = 0, []
    for line in lines[first:]:
        offset += len(line)
        breaks.append(offset)
        if offset >= len(text):
            break
    assert "".join(lines[first:])[: len(text)] == text
    for cut in breaks[:-1]:
        assert not any(start < cut < end for start, end in groups), (cut, lines[first:])


@pytest.mark.parametrize("shift", range(13, 19))
def test_a_paragraphs_tail_keeps_a_long_number_with_its_unit(shift):
    # the tail (two characters and the punctuation after them, 日”）。) is cut back
    # inside 12月31日 when it is long: the date still goes whole
    text = FILLER[:shift] + "，报送截止日期为12月31日”）。"
    lines = [_text(chars) for chars in _body_lines([text])]
    first = next(i for i, line in enumerate(lines) if text.startswith(line))
    body = lines[first:]
    while "".join(body) != text:
        body.pop()
    assert not any(line.endswith(("12月", "12月3")) for line in body), body


def test_the_note_is_set_flush_left_not_spread_around_a_telephone_number():
    # (联系人：…，电话：) fills 22 of the 26 places after the indent; the number goes to
    # the next line whole, and the line it leaves short is not spread (附注 is a note,
    # set as typed; the body's lines fill the type area).
    context = DocumentContext(
        issuer=Issuer(name="中共XX市委组织部", code="X组通"),
        title="关于干部调训情况的通报",
        date=SAMPLE_DATE,
        recipients=["各县（市、区）委组织部"],
        body=[Paragraph("请各单位认真做好调训工作。")],
        note="联系人：中共XX市委组织部干部教育科，电话：0000-12345678",
    )
    data = render_pdf(context, document_number="X组通〔2026〕7号").data
    lines = [chars for _, _, chars in sized_lines(data)]
    first = next(n for n, chars in enumerate(lines) if _text(chars).startswith("（联系人"))
    assert _text(lines[first]) == "（联系人：中共XX市委组织部干部教育科，电话："
    assert _text(lines[first + 1]) == "0000-12345678）"
    for left, right in itertools.pairwise(lines[first]):
        assert right["x0"] - left["x1"] - TRACKING == pytest.approx(0, abs=0.05)
