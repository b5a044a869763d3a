"""Reading generated PDFs back, as the tests do: the text of every page, and the same
with line breaks and spaces taken out (a sentence that wraps is still found whole)."""

import io

import pdfplumber


def text(data: bytes) -> str:
    """The text of every page of the PDF `data`, page after page."""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "".join(page.extract_text() or "" for page in pdf.pages)


def flat(data: bytes) -> str:
    """`text(data)` without line breaks and spaces."""
    return text(data).replace("\n", "").replace(" ", "")


def stored_flat(document) -> str:
    """`flat` of an issued document's stored file."""
    with document.file.open("rb") as handle:
        return flat(handle.read())


def sized_lines(data: bytes, size: float = 16) -> list[tuple[int, float, list[dict]]]:
    """The lines of text set at `size` points (16: the body), in reading order:
    [(page index, baseline from the page's top, [its characters left to right])]. By
    baseline, so a character from the fallback face (堃) stays on its line."""
    rows: dict[tuple[int, float], list[dict]] = {}
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for n, page in enumerate(pdf.pages):
            for ch in page.chars:
                if abs(ch["size"] - size) < 0.5:
                    key = (n, round(page.height - ch["matrix"][5], 1))
                    rows.setdefault(key, []).append(ch)
    return [
        (n, baseline, sorted(chars, key=lambda c: c["x0"]))
        for (n, baseline), chars in sorted(rows.items())
    ]
