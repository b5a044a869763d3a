"""Page breaks in official documents (GB/T 9704-2012 7.3.5): the signature, the seal and
the 附注 never stand on a page without body text, the seal covers neither the 附注 nor
anything outside the type area, and no body paragraph leaves a single line at the foot
or the head of a page. Bodies of every length from a few lines to several pages are
rendered and read back with pdfplumber."""

import datetime as dt
import io
from collections import defaultdict

import pdfplumber
import pytest

from notifications.documents.context import (
    Attachment,
    DocumentContext,
    Heading,
    Issuer,
    Paragraph,
)
from notifications.documents.render import MM, render_pdf
from notifications.documents.samples import SAMPLE_SEAL, sample_contexts

TYPE_TOP = 37 * MM
TYPE_LEFT = 28 * MM
TYPE_BOTTOM = (37 + 225) * MM
CHAR = 16 - 0.215
DATE = "2026年3月5日"
SIGNER = "中共XX市委组织部"
NOTE = "联系人：中共XX市委组织部干部教育科王堃，电话：0000-12345678"
SHORT = "各单位要高度重视干部调训工作，认真组织实施。"  # one line
TWO_LINES = (
    "各单位要切实履行调训主体责任，严格执行调训计划，统筹安排好工学关系，"
    "确保被调训干部按时足额参训。"
)


def _lines(page, size=16):
    rows = defaultdict(list)
    for ch in page.chars:
        if abs(ch["size"] - size) < 0.5:
            rows[round(page.height - ch["matrix"][5], 1)].append(ch)
    return [sorted(chars, key=lambda c: c["x0"]) for _, chars in sorted(rows.items())]


def _text(chars):
    return "".join(c["text"] for c in chars)


def _context(paragraphs, *, seal=True, note=NOTE, attachments=True):
    return DocumentContext(
        issuer=Issuer(name=SIGNER, code="X组通", seal=SAMPLE_SEAL if seal else None),
        title="关于进一步做好干部调训工作的通知",
        date=dt.date(2026, 3, 5),
        recipients=["各县（市、区）委组织部"],
        body=[Heading("总体要求"), *paragraphs],
        attachments=[Attachment("参训人员名单", [Paragraph(SHORT)])] if attachments else [],
        note=note,
        cc=["市委办公室"],
        printed_by="中共XX市委组织部办公室",
    )


def _render(context):
    data = render_pdf(context, document_number="X组通〔2026〕12号").data
    return pdfplumber.open(io.BytesIO(data))


def _closing_page(pdf):
    """(index, page) of the page with the signature (the line holding the date)."""
    found = [(i, p) for i, p in enumerate(pdf.pages) if any(_text(c) == DATE for c in _lines(p))]
    assert len(found) == 1, "the date is printed once"
    return found[0]


def _is_body_line(text, paragraphs):
    return len(text) >= 4 and any(text in p.text for p in paragraphs)


def _seal(page):
    rings = [c for c in page.curves if c["width"] > 100]
    assert rings, "the seal ring is drawn"
    return rings[0]


def _note_box(page):
    lines = _lines(page)
    start = next(i for i, chars in enumerate(lines) if _text(chars).startswith("（联系人"))
    chars = [c for line in lines[start:] for c in line]
    return (
        min(c["x0"] for c in chars),
        min(c["top"] for c in chars),
        max(c["x1"] for c in chars),
        max(c["bottom"] for c in chars),
    )


def _overlap(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _starts_line(chars):
    return chars[0]["x0"] == pytest.approx(TYPE_LEFT, abs=1)


def _indented(chars):
    return chars[0]["x0"] == pytest.approx(TYPE_LEFT + 2 * CHAR, abs=1.5)


def widows_and_orphans(pdf, last_page):
    """Pages (1-based) up to `last_page` (0-based index) where a body paragraph leaves one
    line alone: an orphan (its first line at a page's foot) or a widow (its last line at
    the next page's head). Body lines start flush left (continued) or two characters in
    (a paragraph's first line)."""
    found = []
    pages = [_lines(p) for p in pdf.pages[: last_page + 1]]
    for n in range(1, len(pages)):
        before, after = pages[n - 1], pages[n]
        if not before or len(after) < 2:
            continue
        continued = _starts_line(after[0])
        if continued and not _starts_line(after[1]):
            found.append(("widow", n + 1, _text(after[0])))
        if continued and _indented(before[-1]):
            found.append(("orphan", n, _text(before[-1])))
    return found


def _check(context, paragraphs):
    with _render(context) as pdf:
        index, page = _closing_page(pdf)
        texts = [_text(chars) for chars in _lines(page)]
        assert any(_is_body_line(t, paragraphs) for t in texts), (
            f"page {index + 1} holds the signature without body text: {texts}"
        )
        assert SIGNER in texts
        if context.note:
            assert any(t.startswith("（联系人") for t in texts), "the 附注 is with the signature"
        if context.issuer.seal:
            seal = _seal(page)
            assert seal["bottom"] <= TYPE_BOTTOM + 0.5, "the seal stays in the type area"
            assert seal["top"] >= TYPE_TOP - 0.5
            if index == len(pdf.pages) - 1:  # the 版记 is on this page too
                rules = [r["top"] for r in page.rects if r["width"] > 400]
                assert rules and seal["bottom"] <= min(rules), "the seal covers the 版记"
            if context.note:
                box = (seal["x0"], seal["top"], seal["x1"], seal["bottom"])
                assert not _overlap(box, _note_box(page)), "the seal covers the 附注"
        assert widows_and_orphans(pdf, index) == []


@pytest.mark.parametrize("count", range(8, 26))
def test_signature_seal_and_note_never_stand_without_body_text(count):
    paragraphs = [Paragraph(SHORT)] * count
    _check(_context(paragraphs), paragraphs)


@pytest.mark.parametrize("count", range(4, 14))
def test_two_line_paragraphs_keep_two_lines_with_the_signature_no_seal(count):
    paragraphs = [Paragraph(TWO_LINES)] * count
    _check(_context(paragraphs, seal=False, attachments=False), paragraphs)


@pytest.mark.parametrize("kind", ["dispatch_notice", "admission_notice", "makeup_notice"])
def test_sample_documents_keep_the_closing_with_the_body(kind):
    context = sample_contexts(use_database=False)[kind]
    paragraphs = [b for b in context.body if isinstance(b, Paragraph)]
    _check(context, paragraphs)


@pytest.mark.parametrize("count", range(12, 26))
def test_the_seal_stays_in_the_type_area_without_a_note(count):
    paragraphs = [Paragraph(SHORT)] * count
    _check(_context(paragraphs, note=""), paragraphs)


@pytest.mark.parametrize("kind", ["dispatch_notice", "admission_notice", "makeup_notice"])
def test_no_paragraph_leaves_a_single_line_on_a_page(kind):
    context = sample_contexts(use_database=False)[kind]
    with _render(context) as pdf:
        index, _ = _closing_page(pdf)
        assert widows_and_orphans(pdf, index) == []
