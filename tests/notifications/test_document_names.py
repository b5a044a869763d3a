"""Names on a list are never broken across lines: the name column of the 调训通知's 附件1
is widened to the longest name (a four-character 复姓 name, a minority name with its
middle dot), read back from the PDF; a name longer than any name is still broken rather
than pushing the other columns off the page."""

import io

import pdfplumber
import pytest

from notifications.documents.builders import CadreRow
from notifications.documents.render import UNBROKEN_EM, render_pdf, set_width
from notifications.documents.samples import sample_dispatch_notice

LONG_UNIT = "XX市发展和改革委员会经济体制综合改革处"


def lines_of_list(cadres) -> list[str]:
    context = sample_dispatch_notice(cadres)
    rendered = render_pdf(context, document_number="X组通〔2026〕8号")
    with pdfplumber.open(io.BytesIO(rendered.data)) as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
    return text.split("身份证号码", 1)[1].splitlines()


def row(name: str, n: int) -> CadreRow:
    return CadreRow(name=name, unit=LONG_UNIT, position="副处长", id_number=f"11010519{n:02d}")


@pytest.mark.parametrize("name", ["欧阳晓明", "阿依古丽·买买提", "干部7241"])
def test_a_name_stays_on_one_line(name):
    lines = lines_of_list([row("王芳", 1), row(name, 2)])
    # the row's first line begins with its number and the whole name
    assert any(line.startswith(f"2 {name} ") for line in lines), lines[:6]


def test_a_name_longer_than_any_name_is_broken_not_the_table():
    name = "超长姓名" * 3
    assert set_width(name) > UNBROKEN_EM
    lines = lines_of_list([row(name, 1)])
    assert not any(name in line for line in lines)
    # broken evenly in two, each half on a line of its own
    words = [word for line in lines for word in line.split()]
    assert name[:6] in words and name[6:] in words, lines[:6]


def test_an_id_number_keeps_clear_of_its_cells_border():
    """The masked ID numbers (1101**********123X: 18 characters) fit their column with
    room to spare: the last character ends at least half a character (6 pt of the 12 pt
    list) before the table's right rule, not against it."""
    cadres = [
        CadreRow(name="王芳", unit=LONG_UNIT, position="副处长", id_number=f"11010519{n:010d}")
        for n in range(3)
    ]
    rendered = render_pdf(sample_dispatch_notice(cadres), document_number="X组通〔2026〕8号")
    with pdfplumber.open(io.BytesIO(rendered.data)) as pdf:
        page = next(p for p in pdf.pages if "身份证号码" in (p.extract_text() or ""))
        rules = [line["x0"] for line in page.lines if line["x0"] == line["x1"]]
        right = max(rules)
        ids = [w for w in page.extract_words() if w["text"].startswith("1101") and "*" in w["text"]]
    assert len(ids) == 3
    for word in ids:
        assert right - word["x1"] >= 6, (word["text"], right - word["x1"])
