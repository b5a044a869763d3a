"""A circular's bar chart (附件2) of any number of units stays inside the type area: an
SVG is never split by WeasyPrint, so a chart of 49 units used to leave "附件2" and its
title alone on two pages and then run past the bottom edge, its gridlines through the
page number. It is now drawn in pieces of a page each, the first under the attachment's
heading, every one with the title and the same axis. A table's notes are never split
over two pages either (a page held only two lines of 表1's notes).

The PDFs are read back with pypdfium2: its text layer, the characters' boxes and the
page's path objects (bars and gridlines), in PDF points from the bottom left."""

import datetime as dt

import pypdfium2
import pypdfium2.raw as pdfium_c
import pytest

from notifications.documents import circular as circular_document
from notifications.documents.chart import FIRST_ROOM, PAGE_ROOM, chart_geometry
from notifications.documents.context import BarChart, Issuer
from notifications.documents.render import MM, TYPE_WIDTH, render_pdf

PAGE_HEIGHT = 297 * MM
TOP_LIMIT = PAGE_HEIGHT - 37 * MM  # 天头 37 mm
LEFT_LIMIT, RIGHT_LIMIT = 28 * MM, 28 * MM + TYPE_WIDTH  # 订口 28 mm, 156 mm wide
TOLERANCE = 1.0  # points: strokes and glyph boxes at the edges
AXIS = "0%20%40%60%80%100%"  # the tick labels, as the text layer reads them
# A title of three lines: its chart has less room under it.
LONG_PERIOD = "2026年第一季度（含补训、轮训、专题培训、网络培训、在职自学和境外培训等调训项目）"


def _unit(i: int) -> str:
    """Long enough that 表1 wraps it (49 units used to split 表1's notes), and never a
    part of another unit's name."""
    return f"XX县委组织部第{i}号单位"


def _circular(units: int, period: str):
    figures = [
        circular_document.UnitFigures(unit=_unit(i), expected=10, attended=10 - i % 4, absent=i % 4)
        for i in range(1, units + 1)
    ]
    return circular_document.circular(
        issuer=Issuer(name="中共XX市委组织部", code="X组通"),
        period=period,
        figures=figures,
        date=dt.date(2026, 3, 5),
    )


def _page(page) -> dict:
    """A page's visible characters with their boxes, its text (no whitespace), the
    top of its page number ("— 9 —", the last two dashes and what lies between them)
    and the boxes of its path objects."""
    textpage = page.get_textpage()
    chars = []
    for i in range(textpage.count_chars()):
        char = textpage.get_text_range(i, 1)
        if char.strip():
            chars.append((char, textpage.get_charbox(i)))
    dashes = [k for k, (char, _) in enumerate(chars) if char == "—"][-2:]
    folio = chars[dashes[0] : dashes[1] + 1]
    paths = [
        obj.get_bounds()
        for obj in page.get_objects(max_depth=5)
        if obj.type == pdfium_c.FPDF_PAGEOBJ_PATH
    ]
    return {
        "text": "".join(char for char, _ in chars),
        "body": chars[: dashes[0]] + chars[dashes[1] + 1 :],
        "folio_top": max(box[3] for _, box in folio),
        "paths": paths,
    }


@pytest.fixture(
    scope="module",
    params=[(1, "2026年第一季度"), (49, "2026年第一季度"), (120, LONG_PERIOD)],
    ids=["1 unit", "49 units", "120 units, a title of three lines"],
)
def rendered(request):
    units, period = request.param
    context = _circular(units, period)
    document = pypdfium2.PdfDocument(render_pdf(context, document_number="X组通〔2026〕7号").data)
    try:
        pages = [_page(page) for page in document]
    finally:
        document.close()
    return units, context, pages


def _outside(box, folio_top) -> bool:
    left, bottom, right, top = box
    return (
        left < LEFT_LIMIT - TOLERANCE
        or right > RIGHT_LIMIT + TOLERANCE
        or top > TOP_LIMIT + TOLERANCE
        or bottom < folio_top + TOLERANCE
    )


def _chart_pages(pages):
    return [page for page in pages if AXIS in page["text"]]


def test_every_bar_is_on_a_page_that_stays_inside_the_type_area(rendered):
    units, _, pages = rendered
    charts = _chart_pages(pages)
    assert charts, "no chart"
    for number, page in enumerate(charts, start=1):
        stray = [c for c, box in page["body"] if _outside(box, page["folio_top"])]
        assert not stray, f"chart page {number}: text outside the type area: {''.join(stray)}"
        paths = [box for box in page["paths"] if _outside(box, page["folio_top"])]
        assert not paths, f"chart page {number}: bars or gridlines outside: {paths[:3]}"
    for i in range(1, units + 1):
        holding = [page for page in charts if _unit(i) in page["text"]]
        assert len(holding) == 1, f"第{i}号单位's bar is on {len(holding)} chart pages"


def test_the_attachments_heading_is_on_the_page_of_the_charts_first_bars(rendered):
    _, context, pages = rendered
    title = context.attachments[1].title
    first = next(k for k, page in enumerate(pages) if page["text"].startswith("附件2"))
    text = pages[first]["text"]
    assert text.startswith(f"附件2{title}{title}{AXIS}{_unit(1)}"), text[:80]
    for page in pages:
        body = "".join(char for char, _ in page["body"])
        assert body not in ("附件2", title), "a page holds only the heading"


def test_every_piece_of_the_chart_has_the_title_and_the_same_axis(rendered):
    units, context, pages = rendered
    title = context.attachments[1].title
    charts = _chart_pages(pages)
    # 19 bars, then 26 a page; 17 then 25 under the long title (three lines as the
    # attachment's, two as the chart's): every page but the last is full.
    assert len(charts) == {1: 1, 49: 3, 120: 6}[units]
    axes = set()
    for page in charts:
        assert title in page["text"]
        percents = [box for char, box in page["body"] if char == "%"]
        axis = min(box[1] for box in percents)  # the tick labels: the lowest row
        axes.add(tuple(round(box[0], 1) for box in percents if box[1] < axis + 1))
    assert len(axes) == 1 and len(next(iter(axes))) == 6, axes


def test_a_tables_notes_are_on_one_page_with_its_total_row(rendered):
    _, _, pages = rendered
    for note in (circular_document.CIRCULAR_TABLE1_NOTE, circular_document.CIRCULAR_TABLE2_NOTE):
        words = "".join(note.split())
        holding = [page for page in pages if words in page["text"]]
        assert len(holding) == 1, f"notes split over pages: {words[:12]}…"
        assert "合计" in holding[0]["text"].split(words)[0], "the notes left their table"


def test_a_chart_of_wrapped_labels_is_cut_into_pieces_that_fit_their_pages():
    labels = [
        "XX市人力资源和社会保障局机关后勤服务中心" if i % 3 == 0 else f"第{i}号单位"
        for i in range(25)
    ]
    chart = BarChart(title="各单位参训率", bars=[(label, 90.0) for label in labels])
    pieces = chart_geometry(chart, round(TYPE_WIDTH, 2))["pieces"]
    assert len(pieces) > 1
    assert float(pieces[0]["height"]) <= FIRST_ROOM
    assert all(float(piece["height"]) <= PAGE_ROOM for piece in pieces)
    assert [bar["label"] for piece in pieces for bar in piece["bars"]] == labels
    assert len({str(piece["ticks"]) for piece in pieces}) == 1
