"""A roll call's 调训通知 with a long 附件1, rendered in parts and merged, read back: the
list holds every cadre once and in order, the pages are numbered without a gap on the
side GB/T 9704 puts the number, each page repeats the header, and no page of the list
stops short where one part ends and the next begins."""

import io
import re

import pdfplumber
import pytest

from core.masking import mask_id_number
from notifications.documents import chunked
from notifications.documents.render import MM, render_pdf
from notifications.documents.samples import builtin_cadres, sample_dispatch_notice

N = 700
HEADER = "序号 姓名 单位及职务 身份证号码"
ROW = re.compile(r"^(\d+) (\S+) .*?(\d{4}\*+\d{3}[\dX])$", re.MULTILINE)
TYPE_AREA_BOTTOM = (297 - 35) * MM  # from the top of the page, in points


@pytest.fixture(scope="module")
def notice():
    cadres = builtin_cadres(N)
    context = sample_dispatch_notice(cadres)
    rendered = render_pdf(context, document_number="X组通〔2026〕7号")
    pages = []
    with pdfplumber.open(io.BytesIO(rendered.data)) as pdf:
        for page in pdf.pages:
            words = page.extract_words()
            pages.append(
                {
                    "text": page.extract_text() or "",
                    "folio": [w for w in words if w["top"] > TYPE_AREA_BOTTOM],
                    "bottom": max(w["bottom"] for w in words if w["top"] < TYPE_AREA_BOTTOM),
                }
            )
    return cadres, rendered, pages


def list_pages(pages):
    return [p for p in pages if HEADER in p["text"] and ROW.search(p["text"].split(HEADER)[1])]


def test_the_list_is_long_enough_to_be_rendered_in_parts(notice):
    _cadres, rendered, pages = notice
    assert N > chunked.CHUNK_ROWS
    assert rendered.pages == len(pages) > 30


def test_every_cadre_is_listed_once_in_order(notice):
    cadres, _rendered, pages = notice
    rows = [
        ROW.match(line).groups()
        for page in list_pages(pages)
        for line in page["text"].split(HEADER, 1)[1].splitlines()
        if ROW.match(line)
    ]
    assert [int(n) for n, _name, _id in rows] == list(range(1, N + 1))
    assert [name for _n, name, _id in rows] == [c.name for c in cadres]
    assert [i for _n, _name, i in rows] == [mask_id_number(c.id_number) for c in cadres]


def test_pages_are_numbered_without_a_gap_odd_right_even_left(notice):
    _cadres, _rendered, pages = notice
    for number, page in enumerate(pages, start=1):
        assert [w["text"] for w in page["folio"]] == ["—", str(number), "—"]
        on_right = page["folio"][0]["x0"] > 105 * MM
        assert on_right == (number % 2 == 1), number


def test_each_page_of_the_list_repeats_the_header_and_is_full_but_the_last(notice):
    _cadres, _rendered, pages = notice
    listed = list_pages(pages)
    assert len(listed) >= N // 25
    first = pages.index(listed[0])
    assert listed == pages[first : first + len(listed)]  # one run of pages
    assert listed[0]["text"].startswith("附件1")
    for page in listed[:-1]:  # at most one two-line row's room is left at the foot
        assert page["bottom"] > TYPE_AREA_BOTTOM - 48


def test_the_reply_slip_and_the_banji_follow_the_list_once(notice):
    _cadres, _rendered, pages = notice
    texts = [p["text"] for p in pages]
    assert sum(t.startswith("附件2") for t in texts) == 1
    assert texts[-1].startswith("附件2") or texts[-2].startswith("附件2")
    assert "印发" in texts[-1] and not any("印发" in t for t in texts[:-1])
    assert sum(t.count("附件1") for t in texts) == 2  # 附件说明 and the list's label
