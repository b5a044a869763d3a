"""GB/T 9704-2012 7.5: where the 版记 goes to the back of a new sheet, after a blank page
(the last page of text is an even page with no room left for it), neither the blank page
nor the 版记 page carries a page number; every other page does, the 版记 page too when
it follows a page of text. Read back from the PDF, page by page."""

import datetime as dt
import io
import re

import pdfplumber
import pytest

from notifications.documents.context import (
    Attachment,
    DocumentContext,
    Issuer,
    Paragraph,
    Table,
)
from notifications.documents.render import render_pdf

LONG = (
    "为深入学习贯彻党的二十大精神，进一步提高干部队伍的政治素质和履职能力，"
    "经研究决定举办全市处级干部进修班，现将有关事项通知如下，请各单位认真组织，"
    "做好参训人员的选派工作，确保按时报到参加培训，全程参加学习，不得无故缺课。"
)
FOLIO = re.compile(r"—\s*(\d+)\s*—")


def _context(paragraphs: int, extra: int = 0, rows: int = 0) -> DocumentContext:
    """`paragraphs` paragraphs of 84 characters and one of `extra`; an attachment of a
    table of `rows` rows when there are rows."""
    body = [Paragraph(LONG)] * paragraphs + ([Paragraph("测" * extra)] if extra else [])
    table = Table(columns=["序号", "姓名"], rows=[[i, "张三"] for i in range(1, rows + 1)])
    return DocumentContext(
        issuer=Issuer(name="中共XX市委组织部", code="X组通"),
        title="关于做好干部调训工作的通知",
        date=dt.date(2026, 3, 5),
        recipients=["各单位"],
        body=body,
        attachments=[Attachment("名单", [table])] if rows else [],
        cc=["市委办公室"],
        printed_by="中共XX市委组织部办公室",
    )


def _pages(context) -> list[str]:
    data = render_pdf(context, document_number="X组通〔2026〕1号").data
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [(page.extract_text() or "").replace("\n", "") for page in pdf.pages]


def _folio(text: str) -> int | None:
    found = FOLIO.search(text)
    return int(found.group(1)) if found else None


def _without_folio(text: str) -> str:
    return FOLIO.sub("", text).strip()


def _after_a_blank_page(candidates) -> list[str]:
    """The pages of the first candidate whose 版记 comes after a page with no text."""
    for args in candidates:
        pages = _pages(_context(*args))
        if len(pages) >= 3 and "印发" in pages[-1] and not _without_folio(pages[-2]):
            return pages
    pytest.fail("none of the documents puts its 版记 after a blank page")


@pytest.mark.parametrize(
    "candidates",
    [
        [(6, 28), (6, 56), (5, 140), (5, 168), (4, 252)],  # the body ends an even page
        [(1, 0, 18), (1, 0, 19), (1, 0, 17)],  # an attachment's table ends it
    ],
    ids=["body", "table"],
)
def test_the_blank_page_and_the_banji_page_after_it_carry_no_number(candidates):
    pages = _after_a_blank_page(candidates)
    blank, banji = pages[-2], pages[-1]
    assert _folio(blank) is None and blank.strip() == "", blank
    assert _folio(banji) is None and "印发" in banji and "抄送：市委办公室" in banji
    assert [_folio(text) for text in pages[:-2]] == list(range(1, len(pages) - 1))


def test_a_banji_page_after_a_page_of_text_keeps_its_number():
    pages = _pages(_context(1))  # one page of text; the 版记 alone on its back
    assert len(pages) == 2 and "印发" in pages[1] and "印发" not in pages[0]
    assert [_folio(text) for text in pages] == [1, 2]


def test_a_banji_under_the_text_of_an_even_page_keeps_its_number():
    pages = _pages(_context(5))
    assert len(pages) == 2 and "印发" in pages[1] and "为深入学习" in pages[1]
    assert [_folio(text) for text in pages] == [1, 2]
