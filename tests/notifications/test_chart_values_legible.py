"""A bar's value (76.9%) stays legible where a grid line of the chart runs through it:
the line stops at the value instead of striking it through — read from the picture of
the circular's chart page."""

import datetime as dt
import re

import pypdfium2
import pytest

from notifications.documents import circular as circular_document
from notifications.documents.context import Issuer
from notifications.documents.render import render_pdf

SCALE = 4  # pixels per point
# 10/13 = 76.9 % reaches past the 80 % line with its value, 16/17 = 94.1 % and 9/10 past
# the 100 % line; 3/5 = 60.0 % sits on the 60 % line.
FIGURES = [(13, 10), (17, 16), (10, 9), (5, 3)]
VALUE = re.compile(r"\d+\.\d%")


@pytest.fixture(scope="module")
def chart_page():
    context = circular_document.circular(
        issuer=Issuer(name="中共XX市委组织部", code="X组通"),
        period="2026年第一季度",
        figures=[
            circular_document.UnitFigures(
                unit=f"XX市第{n}局", expected=total, attended=present, absent=total - present
            )
            for n, (total, present) in enumerate(FIGURES, start=1)
        ],
        date=dt.date(2026, 4, 8),
    )
    document = pypdfium2.PdfDocument(render_pdf(context, document_number="X组通〔2026〕7号").data)
    for page in document:
        textpage = page.get_textpage()
        text = textpage.get_text_range()
        if "0%20%40%60%80%100%" in text.replace("\r\n", "").replace(" ", ""):
            return page, textpage
    raise AssertionError("no chart page")


def _values(textpage):
    """Each bar value's box (left, bottom, right, top), in points from the bottom left."""
    chars = [
        (textpage.get_text_range(i, 1), textpage.get_charbox(i))
        for i in range(textpage.count_chars())
    ]
    chars = [(c, box) for c, box in chars if c.strip()]
    text = "".join(c for c, _ in chars)
    boxes = []
    for match in VALUE.finditer(text):
        run = [box for _, box in chars[match.start() : match.end()]]
        if all(abs(box[1] - run[0][1]) < 1 for box in run):  # one line: a bar's value
            boxes.append((run[0][0], min(b[1] for b in run), run[-1][2], max(b[3] for b in run)))
    return boxes


def test_no_grid_line_strikes_through_a_bars_value(chart_page):
    page, textpage = chart_page
    values = _values(textpage)
    assert len(values) == len(FIGURES)
    image = page.render(scale=SCALE).to_pil().convert("L")
    height = page.get_height()
    struck = []
    for left, _, right, top in values:
        # the band just above the digits, within the bar's row: blank paper unless a
        # grid line runs through the value
        rows = range(round((height - top - 2.5) * SCALE), round((height - top - 0.5) * SCALE))
        columns = range(round(left * SCALE), round(right * SCALE))
        if any(image.getpixel((x, y)) < 230 for x in columns for y in rows):
            struck.append((left, right))
    assert struck == []
