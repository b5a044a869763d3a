"""GB/T 9704 7.5: the page number's 一字线 lies 7 mm below the type area's lower edge —
measured on the ink, in a picture of each page at 600 dpi, not on the glyph's box."""

import io

import pdfplumber
import pypdfium2
import pytest

from notifications.documents.render import render_pdf
from notifications.documents.samples import builtin_cadres, sample_dispatch_notice

MM = 72 / 25.4
TYPE_AREA_BOTTOM = (37 + 225) * MM  # top margin and type area height, in points
SCALE = 600 / 72


@pytest.fixture(scope="module")
def pages():
    data = render_pdf(
        sample_dispatch_notice(builtin_cadres(3)), document_number="X组通〔2026〕7号"
    ).data
    document = pypdfium2.PdfDocument(data)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        yield [
            (page, document[n].render(scale=SCALE, grayscale=True).to_pil().convert("L"))
            for n, page in enumerate(pdf.pages[:2])  # an odd page and an even one
        ]
    document.close()


def ink_middle(picture, char) -> float:
    """The middle of the dark rows inside `char`'s box, in points from the page's top."""
    pixels = picture.load()
    left, right = int(char["x0"] * SCALE) + 2, int(char["x1"] * SCALE) - 2
    dark = [
        y
        for y in range(int(char["top"] * SCALE), int(char["bottom"] * SCALE) + 1)
        if any(pixels[x, y] < 128 for x in range(left, right))
    ]
    assert dark, "no ink in the dash's box"
    return (dark[0] + dark[-1]) / 2 / SCALE


def test_the_page_numbers_dashes_lie_7_mm_below_the_type_area(pages):
    for page, picture in pages:
        dashes = [c for c in page.chars if c["text"] == "—" and c["top"] > TYPE_AREA_BOTTOM]
        assert len(dashes) == 2, [c["text"] for c in page.chars if c["top"] > TYPE_AREA_BOTTOM]
        for dash in dashes:
            below = (ink_middle(picture, dash) - TYPE_AREA_BOTTOM) / MM
            assert below == pytest.approx(7, abs=0.3), f"page {page.page_number}: {below:.2f} mm"
