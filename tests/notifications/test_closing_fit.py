"""The closing (附件说明, signature, seal, 附注) never stands on a page without body text;
when it does not fit under the body's last lines, the line pitch of that page is tightened
to bring it up (GB/T 9704-2012 7.3.5: 调整行距), down to 25 pt, rather than leave the
page half empty — and only then. Read back from the PDF."""

import io
import itertools
import statistics
from collections import defaultdict

import pdfplumber
import pytest

from notifications.documents import chunked, fitting
from notifications.documents.context import Attachment, DocumentContext, Heading, Issuer, Table
from notifications.documents.context import Paragraph as P
from notifications.documents.render import LINE, RenderedPdf, render_first_page, render_pdf
from notifications.documents.samples import SAMPLE_DATE, SAMPLE_SEAL
from tests.pdftools import flat

# Four full lines of body text.
LONG = (
    "为深入学习贯彻党的二十大精神，进一步提高干部队伍的政治素质和履职能力，"
    "经研究决定举办全市处级干部进修班，现将有关事项通知如下，请各单位认真组织，"
    "做好参训人员的选派工作，确保按时报到参加培训，全程参加学习，不得无故缺课。"
)
SIGNER = "中共XX市委组织部"


def _document(last: int, table_rows: int = 0):
    """A heading, five paragraphs of LONG and a last one of `last` characters; two
    attachments (the first a table of `table_rows` rows, if any), a seal and a 附注: the
    closing is 11 lines."""
    listing = (
        [Table(columns=["序号", "姓名"], rows=[[i, f"王{i}"] for i in range(1, table_rows + 1)])]
        if table_rows
        else [P(LONG)]
    )
    body = [Heading("总体要求"), *[P(LONG)] * 5, P(LONG[: last - 1] + "。")]
    context = DocumentContext(
        issuer=Issuer(name=SIGNER, code="X组通", seal=SAMPLE_SEAL),
        title="关于进一步做好干部调训工作的通知",
        date=SAMPLE_DATE,
        recipients=["各县（市、区）委组织部"],
        body=body,
        attachments=[Attachment("参训人员名单", listing), Attachment("参训回执", [P(LONG)])],
        note="联系人：王堃，电话：0000-12345678",
    )
    return render_pdf(context, document_number="X组通〔2026〕3号")


def _pages(rendered):
    """Per page: its 16 pt lines as (baseline, text), top to bottom."""
    with pdfplumber.open(io.BytesIO(rendered.data)) as pdf:
        pages = []
        for page in pdf.pages:
            rows = defaultdict(list)
            for ch in page.chars:
                if abs(ch["size"] - 16) < 0.5:
                    rows[round(page.height - ch["matrix"][5], 1)].append(ch)
            pages.append(
                [
                    (y, "".join(c["text"] for c in sorted(chars, key=lambda c: c["x0"])))
                    for y, chars in sorted(rows.items())
                ]
            )
        return pages


def _closing_page(pages, last: int) -> int:
    """The page of the signature, checked to hold the body's last line too."""
    n = next(n for n, lines in enumerate(pages) if any(t == SIGNER for _, t in lines))
    lines = [t for _, t in pages[n]]
    closing = next(i for i, t in enumerate(lines) if t.startswith("附件：") or t == SIGNER)
    assert closing > 0 and lines[closing - 1].endswith(LONG[last - 3 : last - 1] + "。")
    return n


def _pitch(lines) -> float:
    """The body's line pitch on a page: the commonest step between baselines."""
    return statistics.mode(round(b[0] - a[0], 1) for a, b in itertools.pairwise(lines))


def _seal_offset(rendered, n) -> tuple[float, float]:
    """Where the seal's ring is centred on page `n`, from the middle of the signer and date."""
    with pdfplumber.open(io.BytesIO(rendered.data)) as pdf:
        page = pdf.pages[n]
        ring = next(c for c in page.curves if c["width"] > 100)
        chars = [c for c in page.chars if c["size"] > 15]
        signer = next(c for c in chars if c["text"] == "部" and c["top"] > ring["top"])
        date = [c for c in chars if c["top"] > signer["top"] + 10 and c["top"] < ring["bottom"]]
    middle_x = (date[0]["x0"] + date[-1]["x1"]) / 2
    middle_y = (signer["top"] + date[0]["bottom"]) / 2
    return ((ring["x0"] + ring["x1"]) / 2 - middle_x, (ring["top"] + ring["bottom"]) / 2 - middle_y)


def test_a_closing_that_fits_is_left_alone():
    pages = _pages(_document(25))
    assert _closing_page(pages, 25) == 1
    assert _pitch(pages[0]) == pytest.approx(LINE, abs=0.05)
    assert _pitch(pages[1]) == pytest.approx(LINE, abs=0.05)


@pytest.mark.parametrize("last", [40, 60])
def test_a_closing_a_few_lines_short_comes_up_on_a_tightened_page(last):
    rendered = _document(last)
    pages = _pages(rendered)
    assert _closing_page(pages, last) == 1  # not carried to page 3 with the last lines
    assert fitting.MIN_PITCH <= _pitch(pages[1]) < LINE - 0.5
    assert _pitch(pages[0]) == pytest.approx(LINE, abs=0.05)  # page 1 as it was
    # the seal sits over the signer and the date as it does at the usual pitch
    assert _seal_offset(rendered, 1) == pytest.approx(_seal_offset(_document(25), 1), abs=2)


def test_a_closing_too_far_short_is_carried_over_at_the_usual_pitch():
    pages = _pages(_document(100))
    assert _closing_page(pages, 100) == 2  # with the last lines
    for lines in pages[:3]:
        assert _pitch(lines) == pytest.approx(LINE, abs=0.05)


def test_a_document_rendered_in_parts_is_fitted_as_its_front_is(monkeypatch):
    monkeypatch.setattr(chunked, "CHUNK_ROWS", 30)  # the list of 80 in three parts
    rendered = _document(40, table_rows=80)
    pages = _pages(rendered)
    assert _closing_page(pages, 40) == 1
    assert fitting.MIN_PITCH <= _pitch(pages[1]) < LINE - 0.5
    text = flat(rendered.data)
    assert text.index("王1") < text.index("王30") < text.index("王31") < text.index("王80")


CC = ["市委办公室", "市人大常委会办公室", "市政府办公室", "市政协办公室", "市纪委监委"]


def _notice_context(body, seal=None):
    """A notice without attachments: its 版记 (抄送, 印发) follows the closing, at the foot
    of an even page."""
    return DocumentContext(
        issuer=Issuer(name=SIGNER, code="X组通", seal=seal),
        title="关于进一步做好干部调训工作的通知",
        date=SAMPLE_DATE,
        recipients=["各县（市、区）委组织部"],
        body=body,
        cc=CC,
        note="联系人：王堃，电话：0000-12345678",
    )


def _notice(body, seal=None):
    rendered = render_pdf(_notice_context(body, seal), document_number="X组通〔2026〕4号")
    with pdfplumber.open(io.BytesIO(rendered.data)) as pdf:
        banji = [n for n, page in enumerate(pdf.pages) if "印发" in (page.extract_text() or "")]
        blank = [n for n, page in enumerate(pdf.pages) if not (page.extract_text() or "").strip()]
    return rendered, banji, blank


ONE_PAGE = [P((LONG * 2)[:90] + "。"), P(LONG[:40] + "。")]


def test_a_closing_comes_up_to_an_odd_page_and_leaves_the_banji_to_the_even_one():
    # the 版记 never stands on page 1: it is not counted against the room there
    rendered, banji, blank = _notice(ONE_PAGE)
    pages = _pages(rendered)
    assert _closing_page(pages, 41) == 0
    assert fitting.MIN_PITCH <= _pitch(pages[0]) < LINE - 0.5
    assert (rendered.pages, banji, blank) == (2, [1], [])


def test_the_preview_of_the_first_page_is_fitted_as_the_document_is():
    preview = _pages(RenderedPdf(data=render_first_page(_notice_context(ONE_PAGE)), pages=1))
    assert _closing_page(preview, 41) == 0
    assert _pitch(preview[0]) == _pitch(_pages(_notice(ONE_PAGE)[0])[0]) < LINE - 0.5


def test_no_closing_comes_up_at_the_cost_of_a_blank_page():
    # brought up to page 2, it would leave no room for the 版记 there, which would go
    # to page 4 past a blank page 3: the closing stays on page 3, the 版记 on page 4
    body = [Heading("总体要求"), *[P(LONG)] * 6, P(LONG[:19] + "。")]
    rendered, banji, blank = _notice(body, seal=SAMPLE_SEAL)
    pages = _pages(rendered)
    assert _closing_page(pages, 20) == 2
    assert all(_pitch(lines) == pytest.approx(LINE, abs=0.05) for lines in pages[:2])
    steps = [b[0] - a[0] for a, b in itertools.pairwise(pages[2])]
    assert min(steps) == pytest.approx(LINE, abs=0.05)
    assert (rendered.pages, banji, blank) == (4, [3], [])
