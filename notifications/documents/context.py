"""Plain data for official documents (GB/T 9704-2012).

`notifications` may not import `dispatch` or `approvals`, so callers describe a document
with these small frozen dataclasses and pass them to
`notifications.services.issue_document` (or to the builders in
`notifications.documents.builders`, which assemble a `DocumentContext` for each kind).

Every string here is treated as plain text: the templates escape it, nothing is ever
interpreted as HTML. ID numbers must be passed masked (the builders mask any that are not).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Issuer:
    """The issuing organ (发文机关).

    name: full name used for the signature and 印发机关, e.g. "中共XX市委组织部".
    code: document-number prefix (发文机关代字), e.g. "X组通"; numbers are
          "X组通〔2026〕12号". Counters are kept per code and year.
    seal: the organ's seal image as a file path or bytes (PNG, JPEG or SVG), or None for
          the no-seal layout (发文机关署名 and date without a seal).
    mark: 发文机关标志 in red at the top; defaults to `name` + "文件".
    contact: the 附注 its documents print under the date when the builder is given none,
          e.g. "联系人：干部教育科王明，电话：0571-12345678" (`contact_note`).
    """

    name: str
    code: str
    seal: Path | str | bytes | None = None
    mark: str = ""
    contact: str = ""

    @property
    def mark_text(self) -> str:
        return self.mark or f"{self.name}文件"


def contact_note(person: str = "", phone: str = "") -> str:
    """附注 naming whom to ask: "联系人：王明，电话：0571-12345678", either part alone, or ""."""
    parts = [f"联系人：{person}" if person else "", f"电话：{phone}" if phone else ""]
    return "，".join(part for part in parts if part)


@dataclass(frozen=True)
class Paragraph:
    """A body paragraph: FangSong, first line indented two characters. `whole`: words
    a line must not end inside, besides the numbers and dates it never splits (the
    people a circular names)."""

    text: str
    whole: tuple[str, ...] = ()


@dataclass(frozen=True)
class Heading:
    """A structural heading, numbered automatically per level:
    1 → "一、" in 黑体, 2 → "（一）" in 楷体, 3 → "1." and 4 → "（1）" in FangSong.
    Pass the text without the number."""

    text: str
    level: int = 1


@dataclass(frozen=True)
class Table:
    """A ruled table (for example the list of dispatched cadres).

    widths: relative column widths (optional). blank_rows: empty rows appended for
    forms to fill in by hand. caption: an optional line above the table. note: the
    table's notes (注：…), printed under it and never on a page without its last rows; a
    line break starts a new line (a formula on a line of its own).
    total: the last row is a total (合计): it never starts a page alone under the
    repeated header. unbroken: the columns whose cells are kept on one line (names: a
    list never breaks 欧阳晓明 into 欧阳/晓明); the column is widened to its widest cell,
    up to `render.UNBROKEN_EM`."""

    columns: Sequence[str]
    rows: Sequence[Sequence[object]] = ()
    widths: Sequence[float] = ()
    blank_rows: int = 0
    caption: str = ""
    note: str = ""
    total: bool = False
    unbroken: Sequence[int] = ()


@dataclass(frozen=True)
class FormFields:
    """Labelled blanks to fill in by hand, e.g. 单位名称（盖章） on a reply slip (回执)."""

    labels: Sequence[str]


@dataclass(frozen=True)
class BarChart:
    """A horizontal bar chart drawn as SVG, e.g. attendance rate by unit.

    bars: (label, value) pairs; values are drawn against `maximum` and printed with
    `unit` (e.g. 96.5%)."""

    title: str
    bars: Sequence[tuple[str, float]]
    unit: str = "%"
    maximum: float = 100.0


Block = Paragraph | Heading | Table | FormFields | BarChart


@dataclass(frozen=True)
class Attachment:
    """An attachment (附件), printed on its own pages after the signature, listed in the
    附件说明 under the body. Its number follows its position (附件1, 附件2, ...)."""

    title: str
    blocks: Sequence[Block] = ()


@dataclass(frozen=True)
class SubjectRef:
    """What a document is about, known only generically (content type + id), for callers
    that cannot or need not pass a model instance."""

    app_label: str
    model: str
    object_id: int


@dataclass(frozen=True)
class DocumentContext:
    """Everything printed on one official document.

    recipients: 主送机关, printed flush left and ending with "：".
    body: paragraphs and headings (tables and charts are allowed but leave the line grid).
    attachments: printed after the signature, each starting on a new page.
    signature: 发文机关署名; defaults to the issuer's name.
    date: 成文日期, printed with Arabic numerals (2026年3月5日).
    note: 附注, printed in parentheses under the date (e.g. contact person and phone).
    cc: 抄送机关, in the 版记 at the bottom of the last page.
    printed_by / printed_on: 印发机关 and 印发日期 in the 版记 (default: the issuer's
    name and `date`).
    """

    issuer: Issuer
    title: str
    date: dt.date
    recipients: Sequence[str] = ()
    body: Sequence[Block] = ()
    attachments: Sequence[Attachment] = ()
    signature: str = ""
    note: str = ""
    cc: Sequence[str] = ()
    printed_by: str = ""
    printed_on: dt.date | None = None

    @property
    def signature_text(self) -> str:
        return self.signature or self.issuer.name

    @property
    def printed_by_text(self) -> str:
        return self.printed_by or self.issuer.name

    @property
    def printed_on_date(self) -> dt.date:
        return self.printed_on or self.date
