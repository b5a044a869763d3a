"""The circular's pages read back from the PDF: a table's caption never ends a page
without its table (表2's caption was left alone at the foot of a page), and the 版记 is
on the last face of a double-sided print — an even page — with a blank page before it
when the last even page has no room left (GB/T 9704-2012: 版记 on the 公文最后一面)."""

import datetime as dt
import io

import pdfplumber
import pytest

from notifications.documents import circular as circular_document
from notifications.documents.context import DocumentContext, Issuer, Paragraph
from notifications.documents.render import render_pdf

ISSUER = Issuer(name="中共XX市委组织部", code="X组通")
CAPTIONS = ("表1", "表2")


def _pages(context) -> list[list[str]]:
    """Each page's lines, without spaces and without the page number (— 3 —)."""
    data = render_pdf(context, document_number="X组通〔2026〕7号").data
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [
            [
                line["text"].replace(" ", "")
                for line in page.extract_text_lines()
                if not line["text"].startswith("—")
            ]
            for page in pdf.pages
        ]


def _circular(units: int):
    return circular_document.circular(
        issuer=ISSUER,
        period="2026年第一季度",
        figures=[
            circular_document.UnitFigures(unit=f"单位{i}", expected=10, attended=9, absent=1)
            for i in range(units)
        ],
        date=dt.date(2026, 3, 5),
    )


@pytest.mark.parametrize("units", [10, 34])
def test_a_tables_caption_stays_on_the_page_of_its_table(units):
    """With 10 (or 34) units 表1's notes ended a page and 表2's caption followed them
    there, its table starting on the next page."""
    for lines in _pages(_circular(units)):
        if lines and lines[-1].startswith(CAPTIONS):
            pytest.fail(f"a caption ends the page: {lines[-3:]}")
        for k, line in enumerate(lines[:-1]):
            if line.startswith(CAPTIONS):
                assert lines[k + 1].startswith("序号单位"), lines[k : k + 2]


def _banji_pages(pages) -> list[int]:
    return [n for n, lines in enumerate(pages, start=1) if any("印发" in x for x in lines)]


def _notice(paragraphs: list[str]):
    return DocumentContext(
        issuer=ISSUER,
        title="关于做好干部调训工作的通知",
        date=dt.date(2026, 3, 5),
        recipients=["各县（市、区）委组织部"],
        body=[Paragraph(text) for text in paragraphs],
    )


def test_a_one_page_notice_has_its_banji_on_the_back():
    pages = _pages(_notice(["请各单位认真组织，确保按时参训。"]))
    assert len(pages) == 2 and _banji_pages(pages) == [2]
    assert pages[0][-1] == "2026年3月5日"  # the signature and date on the first
    assert pages[1] == ["中共XX市委组织部2026年3月5日印发"]


def test_the_circulars_banji_is_on_an_even_last_page():
    pages = _pages(_circular(10))
    assert len(pages) % 2 == 0 and _banji_pages(pages) == [len(pages)]


def test_a_blank_page_goes_before_the_banji_when_the_last_even_page_is_full():
    """The text fills page 4 to its last line: the 版记 goes to page 6, page 5 left
    blank (it used to go to page 5, an odd page)."""
    sentence = "请各单位认真组织，确保按时参训。" * 16
    pages = _pages(_notice([sentence] * 7 + ["好" * 14]))
    assert len(pages) == 6 and _banji_pages(pages) == [6]
    assert pages[3][-1] == "2026年3月5日" and pages[4] == []
