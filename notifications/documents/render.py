"""Rendering official documents to PDF with WeasyPrint, after GB/T 9704-2012.

`render_pdf(context, document_number=...)` turns a `DocumentContext` into PDF bytes. It
does not touch the database: numbering and storage are `notifications.services`' job.

WeasyPrint's font configuration (a fontconfig scan) and the parsed stylesheet are built
once per process and reused, which is most of the difference between a fresh
`HTML(...).write_pdf()` and this function. Rendering holds a process-wide lock: Pango and
fontconfig objects are shared, and rendering is CPU-bound, so threads gain nothing anyway.
"""

from __future__ import annotations

import logging
import math
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string

from core import collector

# The documents' dates (成文日期 included): core's one helper, in Chinese whatever language
# is active. Named format_date here, where the document builders import it from.
from core.formatting import format_document_date as format_date
from notifications.documents import chunked, fitting, justify, parallel, processes
from notifications.documents.chart import chart_geometry
from notifications.documents.context import (
    Attachment,
    BarChart,
    Block,
    DocumentContext,
    FormFields,
    Heading,
    Paragraph,
    Table,
)
from notifications.documents.markup import (
    fallback_markup,
    lines_markup,
    note_markup,
    paragraph_markup,
    recipients_markup,
)
from notifications.documents.page import (
    BODY_SIZE,
    LINE,
    MM,
    TITLE_CHARS,
    TITLE_LINE,
    TITLE_SIZE,
    TYPE_WIDTH,
)
from notifications.documents.seals import data_uri
from notifications.documents.words import balanced_lines, set_width

# 28 characters of 16 pt are 448 pt, 5.8 pt more than the type area: tighten each one.
#: where the blank lines of a form to fill in by hand (the reply slip's 单位名称（盖章）,
#: 联系人, 联系电话) end: one right edge for all of them
FORM_END = 0.75 * TYPE_WIDTH
TRACKING = -0.215
CHAR = BODY_SIZE + TRACKING
SEAL_SIZE = 42 * MM  # the usual 42 mm round seal
# The signer's line is the first of the signature box: its middle is LINE / 2 down. The
# seal's centre sits a little above the middle of the two lines (signer and date "居印章中心
# 偏下"), so it reaches SEAL_BELOW past the date's line: reserved as whole lines.
SEAL_TOP = LINE - 8 - SEAL_SIZE / 2
SEAL_BELOW = math.ceil((SEAL_TOP + SEAL_SIZE - 2 * LINE) / LINE) * LINE
MARK_MAX = 42.0  # 发文机关标志: at most about 15 mm a character
MARK_TOP = 35 * MM  # 发文机关标志's top edge below the type area's top edge
FOLIO_GAP = 7 * MM  # the page number's dashes 7 mm below the type area
# How far below the top of its 14 pt line box the ink of the page number's em dash lies
# (Noto Serif CJK SC; measured on a picture at 600 dpi, tests/notifications/test_folio.py).
FOLIO_DASH_DROP = 9.3

logger = logging.getLogger(__name__)

CN_DIGITS = "零一二三四五六七八九"


def pt(value: float) -> str:
    return f"{value:.3f}pt"


def chinese_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 25 → 二十五 (for headings up to 99)."""
    if n < 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + (CN_DIGITS[ones] if ones else "")


def format_document_number(code: str, year: int, number: int) -> str:
    """发文字号: X组通〔2026〕12号 (year in 〔〕, no leading zeros, no 第)."""
    if number < 1:
        raise ValueError("Document numbers start at 1.")
    return f"{code}〔{year}〕{number}号"


def text_width(text: str) -> float:
    """Width in body characters: CJK and full-width forms count 1, the rest 1/2."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.5 for ch in text)


def label_for(level: int, n: int) -> str:
    if level == 1:
        return f"{chinese_numeral(n)}、"
    if level == 2:
        return f"（{chinese_numeral(n)}）"
    if level == 3:
        return f"{n}."
    return f"（{n}）"


GRID_SIZE = 12.0  # table text (小四)
GRID_PAD = 2 * 3.0 + 0.75  # cell padding on both sides and one rule
UNBROKEN_EM = 8.0  # the widest name an `unbroken` column is widened for (阿依古丽·买买提)


def _is_cjk(text: str) -> bool:
    return any(unicodedata.east_asian_width(ch) in "WF" for ch in text)


def _fang_width(text: str) -> float:
    """Width in em of text without CJK in FandolFang: capitals 0.74 em, the rest 0.5."""
    return sum(0.75 if "A" <= ch <= "Z" else 0.5 for ch in text)


def _column_widths(
    columns: list[str], weights: list[float], rows: list[list[str]], unbroken=()
) -> list[float]:
    """Column widths in points for a table as wide as the type area: in proportion to
    `weights`, but never narrower than the column's heading on one line (headings do not
    wrap: 序号 must not break into 序/号) nor than its longest cell without CJK (a masked
    ID number is not broken either), nor, in an `unbroken` column, than its longest cell
    up to `UNBROKEN_EM` (a name stays whole; a longer one is broken as any cell)."""
    n = len(columns)
    if len(weights) != n or not all(w > 0 for w in weights):
        weights = [1.0] * n
    minimum = [set_width(c) * GRID_SIZE + GRID_PAD + 1 for c in columns]
    for row in rows:
        for i, cell in enumerate(row[:n]):
            if not cell:
                continue
            if not _is_cjk(cell):
                minimum[i] = max(minimum[i], _fang_width(cell) * GRID_SIZE + GRID_PAD + 1)
            elif i in unbroken:
                # as wide as `_cell_lines` needs to keep the cell on one line
                em = min(set_width(cell), UNBROKEN_EM) + 0.05
                minimum[i] = max(minimum[i], em * GRID_SIZE + GRID_PAD + 0.5)
    fixed: dict[int, float] = {}
    while True:
        free = [i for i in range(n) if i not in fixed]
        room = TYPE_WIDTH - sum(fixed.values())
        total = sum(weights[i] for i in free) or 1
        widths = {i: room * weights[i] / total for i in free}
        short = [i for i in free if widths[i] < minimum[i]]
        if not short or len(short) == len(free):
            widths.update(fixed)
            return [widths[i] for i in range(n)]
        for i in short:
            fixed[i] = minimum[i]


def _cell_lines(text: str, width: float) -> list[str]:
    """A CJK cell's text in balanced lines for a column `width` points wide, so a unit
    name never leaves one character alone on its last line. Text without CJK (numbers,
    masked ID numbers) is left to wrap by itself."""
    if not _is_cjk(text):
        return [text]
    capacity = (width - GRID_PAD) / GRID_SIZE - 0.05
    if capacity < 2 or set_width(text) <= capacity:
        return [text]
    return balanced_lines(text, capacity)


def _table(block: Table) -> dict:
    columns = [str(c) for c in block.columns]
    cells = [["" if c is None else str(c) for c in row] for row in block.rows]
    weights = [float(w) for w in block.widths]
    widths = _column_widths(columns, weights, cells, frozenset(block.unbroken))
    rows = [[lines_markup(_cell_lines(c, widths[i])) for i, c in enumerate(row)] for row in cells]
    return {
        "type": "table",
        "columns": [fallback_markup(c) for c in columns],
        "rows": rows,
        "widths": [f"{100 * w / TYPE_WIDTH:.2f}" for w in widths],
        "blank_rows": range(block.blank_rows),
        "caption": fallback_markup(block.caption) if block.caption else "",
        "notes": [note_markup(part) for part in block.note.split("\n") if part.strip()],
        "total": block.total and bool(rows),
    }


def _blocks(blocks: list[Block] | tuple[Block, ...]) -> list[dict]:
    counters = [0, 0, 0, 0, 0]
    result = []
    for block in blocks:
        if isinstance(block, Paragraph):
            result.append({"type": "p", "text": paragraph_markup(block.text, block.whole)})
        elif isinstance(block, Heading):
            level = min(max(block.level, 1), 4)
            counters[level] += 1
            for deeper in range(level + 1, 5):
                counters[deeper] = 0
            result.append(
                {
                    "type": "h",
                    "level": level,
                    "label": label_for(level, counters[level]),
                    "text": fallback_markup(block.text),
                }
            )
        elif isinstance(block, Table):
            result.append(_table(block))
        elif isinstance(block, FormFields):
            result.append(
                {
                    "type": "form",
                    # each blank line ends at one edge, three quarters across the type area
                    "fields": [
                        (fallback_markup(x), pt(FORM_END - set_width(f"{x}：") * BODY_SIZE))
                        for x in block.labels
                    ],
                }
            )
        elif isinstance(block, BarChart):
            result.append(_chart(block))
        else:
            raise TypeError(f"Not a document block: {block!r}")
    return result


def _chart(chart: BarChart) -> dict:
    """Geometry of a horizontal bar chart, in points, for `_bar_chart.svg`."""
    return chart_geometry(chart, round(TYPE_WIDTH, 2))


def _attachment_list(attachments: list[Attachment] | tuple[Attachment, ...]) -> list[dict]:
    """附件说明 rows: "附件：1．名称" (a full-width point: "1.2026年…" would read as a
    number); a single attachment is not numbered."""
    several = len(attachments) > 1
    return [
        {"number": f"{i}．" if several else "", "title": fallback_markup(attachment.title)}
        for i, attachment in enumerate(attachments, start=1)
    ]


def attachment_label(number: int, count: int) -> str:
    """附件1, 附件2, …; a single attachment is just 附件 (GB/T 9704-2012 7.3.4)."""
    return "附件" if count == 1 else f"附件{number}"


def _seal_source(seal) -> str:
    """The seal as a data: URL, so rendering never fetches anything. `seal` is bytes, a
    data: URL (see `notifications.documents.seals`) or a file path."""
    if isinstance(seal, str) and seal.startswith("data:"):
        return seal
    if isinstance(seal, bytes):
        return data_uri(seal)
    path = Path(seal)
    return data_uri(path.read_bytes(), path.name)


def _title_lines(title: str, capacity: float = TITLE_CHARS) -> list[str]:
    """Break a long title into balanced lines (the standard asks for a trapezoid or
    diamond, not a long line and a short tail), preferring breaks after 的/于/和/与/及.
    Line breaks in the title itself are kept as given."""
    given = [line.strip() for line in title.splitlines() if line.strip()]
    if len(given) != 1:
        return given or [title]
    return balanced_lines(given[0], capacity)


def css_text() -> str:
    return render_to_string(
        "documents/gbt9704.css",
        {
            "line": pt(LINE),
            "two_lines": pt(2 * LINE),
            "two_chars": pt(2 * CHAR),
            "four_chars": pt(4 * CHAR),
            "list_width": pt(TYPE_WIDTH - 2 * CHAR),
            "tracking": pt(TRACKING),
            "folio_top": pt(FOLIO_GAP - FOLIO_DASH_DROP),
            "banji_line": pt(LINE),
            "title_line": pt(TITLE_LINE),
            "seal_size": pt(SEAL_SIZE),
            "seal_half_neg": pt(-SEAL_SIZE / 2),
            "seal_top": pt(SEAL_TOP),
            "seal_below": pt(SEAL_BELOW),
        },
    )


def em_top(size: float, line_height: float, font: tuple[float, float]) -> float:
    """How far the top of the CJK em box (0.88 em above the baseline) sits below the top
    of a line box of `line_height`, for a face with hhea (ascent, descent) in em."""
    ascent, descent = font
    return (line_height - (ascent + descent) * size) / 2 + (ascent - 0.88) * size


NOTO = (1.151, 0.286)  # Noto Serif CJK SC (and Sans) hhea metrics
FANDOL = (0.88, 0.12)  # FandolFang


def banner(mark_size: float) -> dict:
    """Vertical offsets of the 版头 and the title, measured between em boxes as the
    standard measures them: the mark's top 35 mm below the type area, the number two
    blank lines under the mark, the red rule 4 mm under the number, the title two blank
    lines under the rule and the 主送机关 one blank line under the title — a blank line
    as it shows between two lines of the body: the line and the space between lines
    (LINE - BODY_SIZE), so the 主送机关 does not sit closer under the title than a
    paragraph after a blank line does (baselines 57.6 pt apart, as a blank line before
    附件说明 leaves them)."""
    mark_top = em_top(mark_size, mark_size, NOTO)
    mark_below = mark_size - (mark_top + mark_size)  # em-box bottom to line bottom (< 0)
    number_top = em_top(BODY_SIZE, LINE, FANDOL)
    number_below = LINE - number_top - BODY_SIZE
    title_top = em_top(TITLE_SIZE, TITLE_LINE, NOTO)
    title_below = TITLE_LINE - title_top - TITLE_SIZE
    return {
        "mark_size": pt(mark_size),
        "mark_top": pt(MARK_TOP - mark_top),
        "number_top": pt(2 * LINE - mark_below - number_top),
        "rule_top": pt(4 * MM - number_below),
        "title_top": pt(2 * LINE - title_top),
        "recipients_top": pt(2 * LINE - BODY_SIZE - title_below - number_top),
    }


def template_context(
    context: DocumentContext, *, document_number: str, preview: bool = False
) -> dict:
    mark = context.issuer.mark_text
    mark_size = min(MARK_MAX, TYPE_WIDTH * 0.96 / max(text_width(mark), 1))
    return {
        "preview": preview,
        "issuer_name": context.issuer.name,
        "mark": mark,
        "banner": banner(mark_size),
        "doc_number": document_number,
        "title": " ".join(_title_lines(context.title)),
        "title_lines": _title_lines(context.title),
        "recipients": recipients_markup(context.recipients),
        "body": [{**block, "index": i} for i, block in enumerate(_blocks(context.body))],
        "attachment_list": _attachment_list(context.attachments),
        "signer": fallback_markup(context.signature_text),
        "date": format_date(context.date),
        "seal": _seal_source(context.issuer.seal) if context.issuer.seal else None,
        "note": fallback_markup(context.note) if context.note else "",
        "attachments": [
            {
                "label": attachment_label(i, len(context.attachments)),
                "title_lines": _title_lines(a.title),
                "blocks": _blocks(a.blocks),
            }
            for i, a in enumerate(context.attachments, start=1)
        ],
        "cc": fallback_markup("，".join(context.cc) + "。") if context.cc else "",
        "printed_by": fallback_markup(context.printed_by_text),
        "printed_on": format_date(context.printed_on_date),
    }


def render_html(
    context: DocumentContext,
    *,
    document_number: str,
    preview: bool = False,
    inline_css: bool = False,
) -> str:
    """The document's HTML. With `inline_css` the stylesheet is included, which makes a
    standalone page (used by the benchmark to time bare WeasyPrint on the same input)."""
    data = template_context(context, document_number=document_number, preview=preview)
    if inline_css:
        data["css"] = css_text()
    return render_to_string("documents/official.html", data)


@dataclass(frozen=True)
class RenderedPdf:
    data: bytes
    pages: int


_lock = threading.Lock()
_cache: dict = {}


def _resources():
    """The shared FontConfiguration, stylesheet and URL fetcher (built once)."""
    if not _cache:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration
        from weasyprint.urls import URLFetcher

        justify.install()  # Chinese lines fill the type area
        font_config = FontConfiguration()
        _cache["font_config"] = font_config
        _cache["css"] = CSS(string=css_text(), font_config=font_config)
        # Only data: URLs (the seal); nothing is fetched from files or the network.
        _cache["fetcher"] = URLFetcher(allowed_protocols={"data"})
    return _cache["font_config"], _cache["css"], _cache["fetcher"]


def _layout(html: str):
    """Lay `html` out with the shared resources (call under `_lock`)."""
    from weasyprint import HTML

    font_config, css, fetcher = _resources()
    return HTML(string=html, url_fetcher=fetcher).render(stylesheets=[css], font_config=font_config)


def render_pdf(
    context: DocumentContext, *, document_number: str, preview: bool = False
) -> RenderedPdf:
    """Render `context` with `document_number` printed under the red mark; a long table
    in an attachment is rendered in parts (see `notifications.documents.chunked`), side by
    side in render processes where there are (`notifications.documents.parallel`)."""
    workers = _start_render_processes(context)
    try:
        data = template_context(context, document_number=document_number, preview=preview)
        spot = chunked.long_table(data, chunked.CHUNK_ROWS)
        if spot is not None:
            return _render_in_parts(_fitted_front(data), spot, workers)
    finally:
        if workers is not None:
            processes.release(workers)
    html = render_to_string("documents/official.html", data)
    with _lock, collector.paused(collect_young=True):
        document, _ = _fitted(_layout(html), data)
        pdf = document.write_pdf()
        pages = len(document.pages)
        del document
    return RenderedPdf(data=pdf, pages=pages)


def tight_css(pitch: float) -> str:
    """The stylesheet of the blocks and closing laid out at `pitch` (`fitting`): their
    lines, the blank lines above the 附件说明 and the signature, and the seal placed as
    at the usual pitch."""
    seal_top = pitch - 8 - SEAL_SIZE / 2
    seal_below = math.ceil((seal_top + SEAL_SIZE - 2 * pitch) / pitch) * pitch
    return (
        f".tight {{ line-height: {pt(pitch)}; }}"
        f" .closing.tight .attachment-list, .closing.tight .signature"
        f" {{ margin-top: {pt(pitch)}; }}"
        f" .closing.tight .signature.sealed {{ margin-top: {pt(2 * pitch)};"
        f" padding-bottom: {pt(seal_below)}; }}"
        f" .closing.tight .sealed .seal {{ top: {pt(seal_top)}; }}"
    )


def _fitted(document, data: dict) -> tuple:
    """(`document`, `data`), or the same laid out again with the body's last blocks and
    the closing at a tighter pitch, if that brings the closing up to the page they left
    half empty (`fitting`). Call under `_lock`."""
    banji_follows = not data["attachments"] and data.get("closed") is not False
    wanted = fitting.shortfall(document.pages, LINE, banji_follows)
    if wanted is None:
        return document, data
    tight = fitting.tightened(data, wanted, tight_css(wanted.pitch))
    tighter = _layout(render_to_string("documents/official.html", tight))
    if fitting.fits(tighter.pages, wanted, document.pages):
        return tighter, tight
    return document, data


def _front(data: dict) -> dict:
    """`data` of the document's front: the pages before its attachments, which start on
    pages of their own (the 附件说明 is kept; the 版记 goes after the attachments)."""
    return {**data, "attachments": [], "closed": False}


def _fitted_front(data: dict) -> dict:
    """`data` of a document rendered in parts, fitted (`_fitted`) as its front — the
    pages up to its attachments, which start on a page of their own — is."""
    front = _front(data)
    with _lock, collector.paused(collect_young=True):
        _, fitted = _fitted(_layout(render_to_string("documents/official.html", front)), front)
    if fitted is front:
        return data
    return {**data, **{key: fitted[key] for key in fitting.TIGHTENED}}


def expect_long_table(rows: int) -> None:
    """A document with a table of `rows` rows is coming: start its render processes now
    (kept for it), so that they are ready when its template data is. Nothing to do for a
    table that is not long, or without render processes."""
    count = getattr(settings, "XUNDIAO_RENDER_PROCESSES", 0)
    if count >= 2 and rows > chunked.CHUNK_ROWS:
        try:
            processes.release(processes.acquire(count, css_text()))
        except OSError:
            logger.exception("Render processes did not start")


def _start_render_processes(context: DocumentContext) -> processes.Workers | None:
    """Render processes for a document with a long table, started before its template
    data is made so that they are ready when it is; None for any other document, or
    where `XUNDIAO_RENDER_PROCESSES` is below 2."""
    count = getattr(settings, "XUNDIAO_RENDER_PROCESSES", 0)
    longest = max(
        (
            len(block.rows)
            for attachment in context.attachments
            for block in attachment.blocks
            if isinstance(block, Table)
        ),
        default=0,
    )
    if count < 2 or longest <= chunked.CHUNK_ROWS:
        return None
    try:
        return processes.acquire(count, css_text())
    except OSError:
        logger.exception("Render processes did not start; rendering in this process")
        return None


def _render_in_parts(data: dict, spot: tuple[int, int], workers) -> RenderedPdf:
    """The parts side by side in `workers` (`notifications.documents.parallel`), or,
    without them (or if they fail), one after the other in this process."""
    if workers is not None:

        def html_for(start: int, end: int, page: int) -> str:
            part = chunked.part_data(data, spot, start, end, page)
            return render_to_string("documents/official.html", part)

        try:
            pdfs, pages = parallel.render(data, spot, workers, html_for)
        except processes.RenderProcessError:
            workers.broken = True
            logger.exception("Render processes failed; rendering in this process")
        else:
            return RenderedPdf(data=chunked.merge(pdfs), pages=pages)
    return _render_in_parts_here(data, spot)


def _render_in_parts_here(data: dict, spot: tuple[int, int]) -> RenderedPdf:
    """Lay out, write and free one part of at most CHUNK_ROWS rows at a time; a part
    that does not end the table leaves its last page to the next part."""
    a, b = spot
    total = len(data["attachments"][a]["blocks"][b]["rows"])
    parts, start, page = [], 0, 1
    with _lock:
        while True:
            end = min(start + chunked.CHUNK_ROWS, total)
            html = render_to_string(
                "documents/official.html", chunked.part_data(data, spot, start, end, page)
            )
            with collector.paused(collect_young=True):
                document = _layout(html)
                pages = document.pages
                resume = chunked.first_row_on(pages[-1]) if end < total else None
                if resume is None or resume <= start:
                    keep, resume = pages, end  # the part ends the table (or a page of it)
                else:
                    keep = pages[:-1]
                parts.append(document.copy(keep).write_pdf())
                page += len(keep)
                del document, pages, keep
            if end >= total:
                break
            start = resume
    return RenderedPdf(data=chunked.merge(parts), pages=page - 1)


def render_first_page(context: DocumentContext) -> bytes:
    """The first page of `context` as a one-page PDF, marked 样稿 (a preview): laid out
    as the issued document is, its closing fitted (`_fitted`), from its front alone —
    the attachments start on pages of their own, however long their tables."""
    number = f"{context.issuer.code}〔{context.date.year}〕×号"
    data = template_context(context, document_number=number, preview=True)
    front = _front(data)
    with _lock, collector.paused(collect_young=True):
        html = render_to_string("documents/official.html", front)
        document, _ = _fitted(_layout(html), front)
        return document.copy(document.pages[:1]).write_pdf()
