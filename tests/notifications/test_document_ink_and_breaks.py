"""Documents read back and looked at as pictures (issue 15, "Documents"): the seal is
pressed over the signature and date like ink, every character of them stays legible and
the seal's own text keeps off them; a long unit name in the circular's bar chart wraps
instead of being cut; a 合计 row and a table's notes stay with their table; titles, cells
and chart labels break between words only."""

import datetime as dt
import io

import pdfplumber
import pypdfium2
import pytest

from notifications.documents import circular as circular_document
from notifications.documents.context import BarChart, DocumentContext, Issuer, Paragraph, Table
from notifications.documents.render import render_pdf
from notifications.documents.samples import SAMPLE_SEAL
from notifications.documents.words import balanced_lines

SIGNER = "中共XX市委组织部"
DATE = dt.date(2026, 3, 5)
DATE_TEXT = "2026年3月5日"
SCALE = 150 / 72  # pixels per point in the pictures


def _pdf(context) -> bytes:
    return render_pdf(context, document_number="X组通〔2026〕7号").data


def _lines(page) -> list[str]:
    return [line["text"].replace(" ", "") for line in page.extract_text_lines()]


@pytest.fixture(scope="module")
def sealed():
    context = DocumentContext(
        issuer=Issuer(name=SIGNER, code="X组通", seal=SAMPLE_SEAL),
        title="关于做好干部调训工作的通知",
        date=DATE,
        recipients=["各县（市、区）委组织部"],
        body=[Paragraph("请各单位认真组织，确保按时参训。")],
    )
    data = _pdf(context)
    document = pypdfium2.PdfDocument(data)
    picture = document[0].render(scale=SCALE).to_pil().convert("RGB")
    document.close()
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[0]
        yield page, picture


def _ring(page):
    return max(page.curves, key=lambda c: c["width"])


def _run(page, text):
    """The chars of the occurrence of `text` nearest the seal (pdfplumber): the
    signature, not the red mark at the top nor the 版记 at the bottom."""
    chars = [c for c in page.chars if c["text"].strip()]
    joined = "".join(c["text"] for c in chars)
    ring = _ring(page)
    middle = (ring["top"] + ring["bottom"]) / 2
    found, at = [], joined.find(text)
    while at >= 0:
        found.append(chars[at : at + len(text)])
        at = joined.find(text, at + 1)
    assert found, f"{text} is not extractable"
    return min(found, key=lambda run: abs(run[0]["top"] - middle))


def test_the_seal_is_pressed_over_the_signature_and_date(sealed):
    page, _ = sealed
    ring = _ring(page)
    signer, date = _run(page, SIGNER), _run(page, DATE_TEXT)
    centre = (ring["x0"] + ring["x1"]) / 2
    assert abs((signer[0]["x0"] + signer[-1]["x1"]) / 2 - centre) < 5, "signer centred on it"
    assert ring["x0"] < date[0]["x0"] and date[-1]["x1"] < ring["x1"]
    for c in signer + date:
        assert ring["top"] < c["top"] and c["bottom"] < ring["bottom"]


def test_every_character_of_signer_and_date_stays_legible_through_the_seal(sealed):
    """Black ink shows in every character's box: the seal is under the text in paint
    order (before, the opaque star hid "X市委")."""
    page, picture = sealed
    for c in _run(page, SIGNER) + _run(page, DATE_TEXT):
        box = tuple(
            round(v * SCALE) for v in (c["x0"] + 1, c["top"] + 2, c["x1"] - 1, c["bottom"] - 2)
        )
        pixels = list(picture.crop(box).get_flattened_data())
        dark = sum(1 for r, g, b in pixels if r < 90 and g < 90 and b < 90)
        assert dark >= 4, f"{c['text']} is hidden under the seal"


def test_the_seals_own_text_keeps_off_the_signer_and_the_date(sealed):
    page, _ = sealed
    ink = [c for c in page.chars if c["text"] in "样章"]
    assert ink, "the sample seal's mark is drawn"
    for c in _run(page, SIGNER) + _run(page, DATE_TEXT):
        for s in ink:
            apart = (
                s["x1"] <= c["x0"]
                or c["x1"] <= s["x0"]
                or s["bottom"] <= c["top"]
                or c["bottom"] <= s["top"]
            )
            assert apart, f"the seal's {s['text']} runs into {c['text']}"


def _chart_page(label):
    context = DocumentContext(
        issuer=Issuer(name=SIGNER, code="X组通"),
        title="参训率",
        date=DATE,
        body=[BarChart(title="各单位参训率", bars=[(label, 80.0), ("XX市教育局", 95.0)])],
    )
    return pdfplumber.open(io.BytesIO(_pdf(context)))


def test_a_long_unit_name_in_the_bar_chart_wraps_instead_of_being_cut():
    label = "XX市人力资源和社会保障局机关后勤服务中心"
    with _chart_page(label) as pdf:
        page = pdf.pages[0]
        chars = [c for c in page.chars if c["text"] in label and c["size"] < 11.5]
        text = "".join(c["text"] for c in chars)
        for part in ("人力资源", "社会保障局", "后勤服务中心"):
            assert part in text
        assert all(c["x0"] >= 28 * 72 / 25.4 - 0.5 for c in chars), "cut at the left edge"
        rows: dict[int, str] = {}
        for c in sorted(chars, key=lambda c: (round(c["top"]), c["x0"])):
            rows[round(c["top"])] = rows.get(round(c["top"]), "") + c["text"]
        label_rows = [text for text in rows.values() if "XX" not in text or "市" in text]
        assert len([t for t in rows.values() if set(t) & set("人力资源社会保障后勤")]) >= 2, rows
        for word in ("人力资源", "社会保障", "机关"):
            assert any(word in text for text in label_rows), (word, rows)


def _circular(n):
    figures = [
        circular_document.UnitFigures(unit=f"单位{i}", expected=10, attended=9, absent=1)
        for i in range(n)
    ]
    return circular_document.circular(
        issuer=Issuer(name=SIGNER, code="X组通"),
        period="2026年第一季度",
        figures=figures,
        date=DATE,
    )


@pytest.mark.parametrize("units", [17, 18])
def test_a_total_row_and_the_notes_stay_with_their_table(units):
    """17 units used to leave 表1's notes alone atop a page; 18 its 合计 row alone under
    the repeated header."""
    with pdfplumber.open(io.BytesIO(_pdf(_circular(units)))) as pdf:
        for page in pdf.pages:
            lines = _lines(page)
            body = [line for line in lines if not line.startswith("—")]
            for k, line in enumerate(body):
                if line.startswith("合计"):
                    above = body[k - 1] if k else ""
                    assert above[:1].isdigit(), f"合计 alone under the header: {body[: k + 1]}"
                if line.startswith("注："):
                    assert k > 0 and (body[k - 1].startswith("合计")), "the notes left alone"


def test_titles_and_cells_break_between_words_only():
    assert balanced_lines("关于举办2026年中青年领导人员培训班的通知", 20) == [
        "关于举办2026年中青年",
        "领导人员培训班的通知",
    ]
    for text, capacity, word in [
        ("2026年全市领导人员能力提升专题培训班参训人员名单", 20, "能力提升"[:2]),
        ("关于2026年10月1日至12月13日干部调训情况的通报", 20, "12月13日"),
        ("XX市自然资源和规划局", 7, "自然资源"),
        ("XX市城市建设投资集团有限公司", 8, "投资"),
        ("XX市城市建设投资集团有限公司", 6, "集团"),
        # the class the demo's plan names (调训通知's title, 通报's 附件3)
        ("关于举办全市发展改革系统业务骨干培训班的通知", 10, "系统"),
        ("全市发展改革系统业务骨干培训班", 5, "骨干"),
        # the plan's table cells
        ("2027年乡村振兴专题培训班", 8, "乡村振兴"),
        ("乡镇党政正职", 4, "党政正职"),
        # an attachment's title: the kind of class whole (never 处级干部 / 进修班)
        ("2026年春季学期处级干部进修班参训人员名单", 20, "处级干部进修班"),
        ("2027年学习贯彻党的创新理论专题研讨班", 6, "学习贯彻"),
        # 附件3 whole
        ("参训人员名单详见附件3和附件4", 3, "附件3"),
    ]:
        lines = balanced_lines(text, capacity)
        assert len(lines) > 1 and "".join(lines) == text
        assert any(word in line for line in lines), (word, lines)


def test_a_cell_in_the_printed_table_keeps_its_words():
    context = DocumentContext(
        issuer=Issuer(name=SIGNER, code="X组通"),
        title="名单",
        date=DATE,
        body=[
            Table(
                columns=["序号", "单位", "点名", "参训", "请假", "缓训", "免训", "缺训"],
                rows=[["1", "XX市自然资源和规划局", 1, 1, 0, 0, 0, 0]],
                widths=[0.8, 1.6, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8],
            )
        ],
    )
    with pdfplumber.open(io.BytesIO(_pdf(context))) as pdf:
        lines = _lines(pdf.pages[0])
    assert not any(line.endswith("自然资") for line in lines), lines
    assert any("自然资源" in line for line in lines), lines


@pytest.mark.parametrize("count", [12, 19, 43])
def test_the_last_row_of_a_list_never_stands_alone_under_the_header(count):
    """A 调训通知 of 19 named cadres used to put the 19th alone on its last page."""
    from notifications.documents.samples import builtin_cadres, sample_dispatch_notice

    with pdfplumber.open(io.BytesIO(_pdf(sample_dispatch_notice(builtin_cadres(count))))) as pdf:
        numbered = []
        for page in pdf.pages:
            rows = [line.split()[:1] for line in (page.extract_text() or "").splitlines()]
            numbered.append({row[0] for row in rows if row and row[0].isdigit()})
        [last] = [n for n, rows in enumerate(numbered) if str(count) in rows]
        assert str(count - 1) in numbered[last], f"row {count} alone on page {last + 1}"
