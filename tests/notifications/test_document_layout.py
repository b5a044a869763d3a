"""Official documents look like the real thing (GB/T 9704-2012): every kind is rendered
once per module, read back with pdfplumber, and measured."""

import io
import re
from collections import defaultdict

import pdfplumber
import pypdf
import pytest

from notifications.documents import builders
from notifications.documents.context import (
    Attachment,
    DocumentContext,
    Heading,
    Issuer,
    Paragraph,
)
from notifications.documents.render import MM, format_document_number, render_html, render_pdf
from notifications.documents.samples import (
    SAMPLE_SEAL,
    builtin_cadres,
    builtin_class,
    sample_contexts,
)

A4 = (595.28, 841.89)
TYPE_TOP = 37 * MM
TYPE_LEFT = 28 * MM
TYPE_WIDTH = 156 * MM
TYPE_BOTTOM = (37 + 225) * MM
RED = (1.0, 0.0, 0.0)
NUMBER = re.compile(r"^.+〔\d{4}〕[1-9]\d*号$")
EVIL = "<script>alert('x')</script>"
# Only CJK ideographs and full-width punctuation: each takes one of the 28 cells of a line.
LONG = (
    "为深入学习贯彻党的二十大精神，进一步提高干部队伍的政治素质和履职能力，"
    "经研究决定举办全市处级干部进修班，现将有关事项通知如下，请各单位认真组织，"
    "做好参训人员的选派工作，确保按时报到参加培训，全程参加学习，不得无故缺课。"
)
# The same with rare characters, which come from the fallback face (Noto Serif CJK SC).
RARE = LONG.replace("做好参训人员的选派工作", "督促王堃、李玥、张喆、陈镕等同志")


def _read(data: bytes):
    return pdfplumber.open(io.BytesIO(data))


def _number(context):
    return format_document_number(context.issuer.code, context.date.year, 12)


@pytest.fixture(scope="module")
def documents():
    """kind → (context, pdf bytes). One render per kind for the whole module."""
    cadres = builtin_cadres()
    cadres[5] = builders.CadreRow(
        name="赵镕", unit=f"{EVIL}办公室", position="主任", id_number="110101199003071234"
    )
    contexts = sample_contexts(use_database=False)
    contexts["dispatch_notice"] = builders.dispatch_notice(
        issuer=Issuer(name="中共XX市委组织部", code="X组通"),  # the no-seal layout
        training_class=builtin_class(),
        cadres=cadres,
        date=contexts["dispatch_notice"].date,
        recipients=["各县（市、区）委组织部", f"{EVIL}市直各单位"],
        contact="联系人：王堃，电话：0000-12345678",
        cc=["市委办公室", "市政府办公室"],
        printed_by="中共XX市委组织部办公室",
    )
    # A long body: page 2 is a full page of body text.
    contexts["long"] = DocumentContext(
        issuer=Issuer(name="中共XX市委组织部", code="X组通", seal=SAMPLE_SEAL),
        title="关于进一步做好干部调训工作的通知",
        date=contexts["circular"].date,
        recipients=["各县（市、区）委组织部"],
        body=[Paragraph(LONG), Heading("总体要求"), Heading("压实责任", level=2)]
        + [Paragraph(LONG), Paragraph(RARE)] * 4
        + [Paragraph("参训学员王堃、李玥、张喆、陈镕等同志按要求完成培训。")],
        attachments=[Attachment("参训人员名单", [Paragraph(LONG)])],
        cc=["市委办公室"],
        printed_by="中共XX市委组织部办公室",
    )
    return {
        kind: (context, render_pdf(context, document_number=_number(context)).data)
        for kind, context in contexts.items()
    }


KINDS = [
    "dispatch_notice",
    "admission_notice",
    "makeup_notice",
    "circular",
    "long",
    "dispatch_plan",
]


def _lines(page, size=None):
    """Text lines of `page` grouped by baseline: [(baseline_top, [chars])]."""
    rows = defaultdict(list)
    for ch in page.chars:
        if size is None or abs(ch["size"] - size) < 0.5:
            rows[round(page.height - ch["matrix"][5], 1)].append(ch)
    return sorted(rows.items())


def _text(chars):
    return "".join(c["text"] for c in sorted(chars, key=lambda c: c["x0"]))


def _font(ch):
    return ch["fontname"].split("+")[-1].replace("-", "")


def _em_top(page, ch):
    """Top of the CJK em box (0.88 em above the baseline), from the page's top."""
    return page.height - ch["matrix"][5] - 0.88 * ch["size"]


@pytest.mark.parametrize("kind", KINDS)
def test_every_page_is_a4(documents, kind):
    with _read(documents[kind][1]) as pdf:
        for page in pdf.pages:
            assert page.width == pytest.approx(A4[0], abs=1)
            assert page.height == pytest.approx(A4[1], abs=1)


@pytest.mark.parametrize("kind", KINDS)
def test_issuer_mark_is_red_centred_and_35mm_below_the_type_area(documents, kind):
    context, data = documents[kind]
    with _read(data) as pdf:
        page = pdf.pages[0]
        top, chars = _lines(page)[0]
        assert _text(chars) == context.issuer.mark_text
        for ch in chars:
            assert tuple(ch["non_stroking_color"]) == pytest.approx(RED, abs=0.01)
            assert _em_top(page, ch) == pytest.approx(TYPE_TOP + 35 * MM, abs=2)
        centre = (chars[0]["x0"] + chars[-1]["x1"]) / 2
        assert centre == pytest.approx(TYPE_LEFT + TYPE_WIDTH / 2, abs=3)


@pytest.mark.parametrize("kind", KINDS)
def test_document_number_two_lines_below_the_mark_then_the_red_rule(documents, kind):
    context, data = documents[kind]
    with _read(data) as pdf:
        page = pdf.pages[0]
        lines = _lines(page)
        mark, number = lines[0][1], lines[1][1]
        text = _text(number)
        assert NUMBER.match(text), text
        assert text == "X组通〔2026〕12号"
        mark_bottom = _em_top(page, mark[0]) + mark[0]["size"]
        number_top = _em_top(page, number[0])
        assert number_top - mark_bottom == pytest.approx(2 * 28.8, abs=2)
        rules = [
            r
            for r in page.rects
            if tuple(r["non_stroking_color"] or ()) == pytest.approx(RED, abs=0.01)
            and r["width"] > 100
        ]
        assert len(rules) == 1
        rule = rules[0]
        assert rule["width"] == pytest.approx(TYPE_WIDTH, abs=1)
        assert rule["x0"] == pytest.approx(TYPE_LEFT, abs=1)
        assert rule["top"] - (number_top + 16) == pytest.approx(4 * MM, abs=2)


@pytest.mark.parametrize("kind", KINDS)
def test_title_is_22pt_bold_song_and_body_16pt_fangsong(documents, kind):
    context, data = documents[kind]
    with _read(data) as pdf:
        page = pdf.pages[0]
        title = [c for c in page.chars if abs(c["size"] - 22) < 0.5]
        assert "".join(_text(chars) for _, chars in _lines(page, 22)) == context.title
        assert all("NotoSerifCJK" in _font(c) and "Bold" in _font(c) for c in title)
        lines = [chars for _, chars in _lines(page, 16)]
        after = next(i for i, c in enumerate(lines) if _text(c).endswith("：")) + 1
        first_paragraph = [c for c in lines[after] if c["text"] not in "堃玥喆镕"]
        assert first_paragraph
        assert all("FandolFang" in _font(c) for c in first_paragraph)


def test_headings_use_hei_then_kai(documents):
    with _read(documents["long"][1]) as pdf:
        lines = {_text(chars): chars for _, chars in _lines(pdf.pages[0], 16)}
    assert all("NotoSansCJK" in _font(c) for c in lines["一、总体要求"])
    assert all("FandolKai" in _font(c) for c in lines["（一）压实责任"])


def test_recipients_flush_left_ending_with_a_colon(documents):
    context, data = documents["admission_notice"]
    with _read(data) as pdf:
        page = pdf.pages[0]
        line = next(c for _, c in _lines(page, 16) if _text(c).endswith("："))
        assert line[0]["x0"] == pytest.approx(TYPE_LEFT, abs=1)


def test_a_blank_line_under_the_title_is_as_wide_as_one_in_the_body(documents):
    """主送机关 one blank line under the title (GB/T 9704-2012 7.3.2): the line and the
    space between lines, as a blank line leaves between two lines of the body — the
    baselines two pitches apart, not the em boxes one pitch apart."""
    context, data = documents["admission_notice"]
    with _read(data) as pdf:
        page = pdf.pages[0]
        title = max(top for top, _ in _lines(page, 22))  # the title's last line
        recipients = min(top for top, c in _lines(page, 16) if _text(c).endswith("："))
        assert recipients - title == pytest.approx(2 * 28.8, abs=1.0)


def test_a_full_body_page_has_22_lines_of_at_most_28_characters(documents):
    with _read(documents["long"][1]) as pdf:
        page = pdf.pages[1]
        lines = [chars for _, chars in _lines(page, 16)]
        rare = [c for chars in lines for c in chars if c["text"] in "堃玥喆镕"]
        assert len(rare) >= 8, "lines with rare characters are on the full page too"
        assert len(lines) == 22
        lengths = [len(chars) for chars in lines]
        assert max(lengths) == 28
        for chars in lines:
            assert chars[0]["x0"] >= TYPE_LEFT - 0.5
            assert max(c["x1"] for c in chars) <= TYPE_LEFT + TYPE_WIDTH + 1
        baselines = [top for top, _ in _lines(page, 16)]
        pitches = {round(b - a, 1) for a, b in zip(baselines, baselines[1:], strict=False)}
        assert pitches == {28.8}


@pytest.mark.parametrize("kind", KINDS)
def test_page_numbers_alternate_sides_7mm_below_the_type_area(documents, kind):
    with _read(documents[kind][1]) as pdf:
        assert len(pdf.pages) >= 2
        for n, page in enumerate(pdf.pages, start=1):
            folio = [c for c in page.chars if abs(c["size"] - 14) < 0.5 and c["top"] > 750]
            assert _text(folio) == f"— {n} —"
            assert all("NotoSerifCJK" in _font(c) for c in folio)
            dash = folio[0]
            middle = page.height - dash["matrix"][5] - 0.38 * 14
            assert middle - TYPE_BOTTOM == pytest.approx(7 * MM, abs=2)
            if n % 2:  # odd pages: right, one character in
                assert folio[-1]["x1"] == pytest.approx(TYPE_LEFT + TYPE_WIDTH - 14, abs=1.5)
            else:
                assert folio[0]["x0"] == pytest.approx(TYPE_LEFT + 14, abs=1.5)


@pytest.mark.parametrize("kind", KINDS)
def test_banji_sits_on_the_bottom_edge_of_the_last_page_only(documents, kind):
    context, data = documents[kind]
    with _read(data) as pdf:
        for n, page in enumerate(pdf.pages, start=1):
            text = page.extract_text()
            last = n == len(pdf.pages)
            # The 版记's line (14 pt: 印发机关 … 印发), not the word: a plan's notice is
            # titled 关于印发《…》的通知 (GB/T 9704's own example of a title).
            printed_lines = [c for _, c in _lines(page, 14) if "印发" in _text(c)]
            assert bool(printed_lines) is last, (n, text)
            if not last:
                continue
            assert len(printed_lines) == 1
            printed = printed_lines[0]
            assert _text(printed).endswith(
                f"{context.date.year}年{context.date.month}月{context.date.day}日印发"
            )
            edges = [
                r
                for r in page.rects
                if r["width"] == pytest.approx(TYPE_WIDTH, abs=1)
                and r["bottom"] == pytest.approx(TYPE_BOTTOM, abs=1)
            ]
            assert edges, "the 版记's last rule coincides with the type area's bottom"
            if context.cc:
                assert "抄送：" in text


def test_rare_characters_are_in_the_text_layer(documents):
    for kind in ("dispatch_notice", "long"):
        with _read(documents[kind][1]) as pdf:
            text = "".join(page.extract_text() for page in pdf.pages)
        for ch in "堃玥喆镕":
            assert ch in text, (kind, ch)


def test_rare_characters_fall_back_to_noto_serif_not_boxes(documents):
    with _read(documents["long"][1]) as pdf:
        chars = [c for p in pdf.pages for c in p.chars if c["text"] in "堃玥喆镕"]
    assert chars and all("NotoSerifCJK" in _font(c) for c in chars)


def test_id_numbers_are_masked(documents):
    with _read(documents["dispatch_notice"][1]) as pdf:
        text = "".join(page.extract_text() for page in pdf.pages)
    assert "110101199003071234" not in text
    assert "1101**********1234" in text
    assert re.search(r"\d{17}[\dX]", text) is None


def test_user_text_is_escaped_and_printed_literally(documents):
    context, data = documents["dispatch_notice"]
    html = render_html(context, document_number=_number(context))
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    with _read(data) as pdf:
        text = "".join(page.extract_text() for page in pdf.pages).replace("\n", "")
    assert "<script>alert" in text


def test_fonts_are_embedded_and_subset(documents):
    reader = pypdf.PdfReader(io.BytesIO(documents["long"][1]))
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            fonts[str(font["/BaseFont"])] = descriptor
    assert fonts
    for name, descriptor in fonts.items():
        assert re.match(r"^/?[A-Z]{6}\+", name), name  # subset tag
        assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), name
    families = " ".join(fonts).replace("-", "")
    for family in ("FandolFang", "NotoSerifCJKSCBold", "NotoSansCJKSC", "FandolKai"):
        assert family in families


def _signature(page, signer, date):
    lines = {_text(c): c for _, c in _lines(page, 16)}
    return lines[signer], lines[date]


def test_signature_without_seal(documents):
    context, data = documents["dispatch_notice"]
    char = 16 - 0.215
    with _read(data) as pdf:
        page = next(
            p
            for p in pdf.pages
            if "2026年3月5日" in (p.extract_text() or "") and "印发" not in p.extract_text()
        )
        signer, date = _signature(page, context.issuer.name, "2026年3月5日")
        right = TYPE_LEFT + TYPE_WIDTH
        assert right - signer[-1]["x1"] == pytest.approx(2 * char, abs=1.5)
        assert date[0]["x0"] - signer[0]["x0"] == pytest.approx(2 * char, abs=1.5)


def test_signature_with_seal_centres_the_seal_over_signer_and_date(documents):
    context, data = documents["long"]
    char = 16 - 0.215
    with _read(data) as pdf:
        page = next(p for p in pdf.pages if "样" in (p.extract_text() or ""))
        signer, date = _signature(page, context.issuer.name, "2026年3月5日")
        right = TYPE_LEFT + TYPE_WIDTH
        assert right - date[-1]["x1"] == pytest.approx(4 * char, abs=1.5)
        date_centre = (date[0]["x0"] + date[-1]["x1"]) / 2
        signer_centre = (signer[0]["x0"] + signer[-1]["x1"]) / 2
        assert signer_centre == pytest.approx(date_centre, abs=2)
        seal = [c for c in page.curves if c["width"] > 100]
        assert seal, "the seal ring is drawn"
        ring = seal[0]
        assert (ring["x0"] + ring["x1"]) / 2 == pytest.approx(date_centre, abs=2)
        assert ring["top"] < signer[0]["top"] and ring["bottom"] > date[0]["bottom"]


def test_attachments_start_a_page_with_their_number_top_left(documents):
    context, data = documents["dispatch_notice"]
    with _read(data) as pdf:
        starts = [p for p in pdf.pages if (p.extract_text() or "").startswith(("附件1", "附件2"))]
        assert len(starts) == 2
        for page in starts:
            first = _lines(page)[0][1]
            assert first[0]["x0"] == pytest.approx(TYPE_LEFT, abs=1)
            assert all("NotoSansCJK" in _font(c) for c in first)
        text = "".join(page.extract_text() for page in pdf.pages)
    assert "附件：1．" in text and "回执" in text
    assert text.count("1101**") == 60  # the whole list, over several pages


def test_circular_has_a_table_and_a_bar_chart(documents):
    context, data = documents["circular"]
    with _read(data) as pdf:
        text = "".join(page.extract_text() for page in pdf.pages)
        bars = [
            r
            for p in pdf.pages
            for r in p.rects
            if tuple(r["non_stroking_color"] or ()) == pytest.approx((0.75, 0, 0), abs=0.01)
        ]
    assert "合计" in text and "参训率" in text
    assert len(bars) == len(context.attachments[1].blocks[0].bars)


def _attachment_pages(pdf):
    return [p for p in pdf.pages if (p.extract_text() or "").startswith("附件")]


def test_a_single_attachment_is_not_numbered(documents):
    context, data = documents["makeup_notice"]
    assert len(context.attachments) == 1
    with _read(data) as pdf:
        [page] = _attachment_pages(pdf)
        assert _text(_lines(page)[0][1]) == "附件"
        text = "".join(p.extract_text() for p in pdf.pages)
    assert "附件1" not in text
    assert "附件：补训人员名单" in text.replace(" ", "")


def test_attachment_titles_are_balanced_in_title_lines(documents):
    context, data = documents["dispatch_notice"]
    title = context.attachments[0].title
    assert len(title) > 20  # too long for one line of 2号
    with _read(data) as pdf:
        page = _attachment_pages(pdf)[0]
        lines = _lines(page, 22)
    texts = [_text(chars) for _, chars in lines]
    assert "".join(texts) == title
    assert len(texts) == 2
    assert min(len(t) for t in texts) > 1, texts
    assert abs(len(texts[0]) - len(texts[1])) <= 4, texts
    assert lines[1][0] - lines[0][0] == pytest.approx(35, abs=0.5)  # the title's pitch


def _words(page, size=12):
    return page.filter(
        lambda o: o.get("size") is None or abs(o["size"] - size) < 0.5
    ).extract_words()


def _is_cjk(text):
    return any("\u3400" <= ch <= "\u9fff" for ch in text)


@pytest.mark.parametrize("kind", ["dispatch_notice", "makeup_notice"])
def test_table_headings_and_cells_never_leave_one_character_on_a_line(documents, kind):
    with _read(documents[kind][1]) as pdf:
        tables = [p for p in pdf.pages if any(w["text"] == "姓名" for w in _words(p))]
        assert tables
        for page in tables:
            words = [w["text"] for w in _words(page)]
            assert "序号" in words
            single = [w for w in words if len(w) == 1 and _is_cjk(w)]
            assert single == [], (page.page_number, single)


def test_the_plans_table_of_classes_runs_over_pages_under_its_repeated_header(documents):
    context, data = documents["dispatch_plan"]
    classes = context.attachments[0].blocks[0]
    header = ["序号", "班次名称", "培训机构", "培训时间", "学时", "名额", "调训对象", "调训方式"]
    with _read(data) as pdf:
        starts = [p.page_number for p in _attachment_pages(pdf)]
        assert len(starts) == 2  # 附件1 and 附件2 each start a page
        table_pages = pdf.pages[starts[0] - 1 : starts[1] - 1]
        assert len(table_pages) >= 2, "the classes' table runs over a page"
        numbers = []
        for page in table_pages:
            words = [w["text"] for w in _words(page)]
            assert words[: len(header)] == header, (page.page_number, words[:8])
            assert [w for w in words if len(w) == 1 and _is_cjk(w)] == []
            numbers += [int(w) for w in words if w.isdigit() and int(w) <= len(classes.rows)]
        text = "".join(p.extract_text() for p in pdf.pages).replace("\n", "")
    assert len(classes.rows) >= 30
    assert set(range(1, len(classes.rows) + 1)) <= set(numbers)  # no row lost at a break
    assert "本计划对此前印发的计划作了调整，调整原因：" in text and "（对口支援）" in text


def test_makeup_notice_names_the_makeup_class_once(documents):
    context, data = documents["makeup_notice"]
    with _read(data) as pdf:
        text = "".join(p.extract_text() for p in pdf.pages).replace("\n", "")
    name = "2026年第二期干部补训班"
    assert f"参加{name}，名单见附件" in text
    assert "补训班补训" not in text and "补训班补训" not in context.title


def test_a_seal_on_remote_storage_is_read_through_the_storage_api():
    from django.core.files.base import ContentFile
    from django.core.files.storage import Storage
    from django.db.models import FileField
    from django.db.models.fields.files import FieldFile

    from notifications.documents.seals import seal_bytes, seal_data_uri

    class RemoteStorage(Storage):
        """Like S3: files are read and written through the API; `path` is not there."""

        files: dict = {}

        def _save(self, name, content):
            self.files[name] = content.read()
            return name

        def _open(self, name, mode="rb"):
            return ContentFile(self.files[name], name=name)

        def exists(self, name):
            return name in self.files

    storage = RemoteStorage()
    name = storage.save("seals/od.svg", ContentFile(SAMPLE_SEAL.read_bytes()))
    field = FileField(storage=storage)
    seal = FieldFile(None, field, name)
    with pytest.raises(NotImplementedError):
        seal.path  # noqa: B018 - what dispatch used to read
    assert seal_bytes(seal) == SAMPLE_SEAL.read_bytes()
    assert seal_data_uri(seal).startswith("data:image/svg+xml;base64,")
    assert seal_bytes(FieldFile(None, field, "")) is None
    assert seal_data_uri(FieldFile(None, field, None)) is None
    for value in (seal_bytes(seal), seal_data_uri(seal)):
        context = DocumentContext(
            issuer=Issuer(name="中共XX市委组织部", code="X组通", seal=value),
            title="关于举办培训班的通知",
            date=builtin_class().start_date,
            body=[Paragraph(LONG)],
        )
        with _read(render_pdf(context, document_number="X组通〔2026〕1号").data) as pdf:
            assert any(c["width"] > 100 for p in pdf.pages for c in p.curves), "seal drawn"


def test_the_reply_slips_blank_lines_end_at_one_edge(documents):
    """单位名称（盖章）, 联系人, 联系电话: each label followed by a line to write on, all
    three lines ending at one right edge (they ended wherever their label did)."""
    context, data = documents["dispatch_notice"]
    with _read(data) as pdf:
        page = next(p for p in pdf.pages if "联系电话：" in (p.extract_text() or ""))
        labels = {
            _text(chars): top
            for top, chars in _lines(page, 16)
            if _text(chars) in ("单位名称（盖章）：", "联系人：", "联系电话：")
        }
        assert len(labels) == 3
        ends = []
        for baseline in labels.values():
            under = [
                e for e in page.edges if e["orientation"] == "h" and abs(e["top"] - baseline) < 8
            ]
            assert under, baseline
            ends.append(max(e["x1"] for e in under))
    assert max(ends) - min(ends) < 0.5, ends
    assert ends[0] == pytest.approx(TYPE_LEFT + 0.75 * 156 * MM, abs=1)
