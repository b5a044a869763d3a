"""A render process for the parts of a long document (`notifications.documents.parallel`).

Run as `python -m notifications.documents.part_worker`; it reads requests from stdin and
writes answers to stdout, each a length-prefixed pickle (`send`, `receive`), and never
imports Django: it starts in a fraction of a second, holds only WeasyPrint, the fonts and
the part it lays out, and shares nothing with the process that asked.

Requests, in order:
* `{"css": text}` once: the stylesheet; the worker builds its font configuration and lays
  a small table out to load the faces before the first part arrives. Answer: `{"ready":
  True}`.
* `{"html": …, "start": row, "end": row, "last": bool, "geometry": bool}` for each part
  (rows [start, end) of the table): lay it out;
  unless it is the last part, its last page goes back to the next part (see
  `notifications.documents.chunked`). Answer: the PDF of the kept pages, the first table
  row of each kept page (`starts`), the row the next part starts with (`resume`), and with
  `geometry` the rows' positions (`rows`: per kept page, (row, top, height) in CSS px)
  the bottom of each page's area (`bottoms`) and the height of a line in a body cell
  (`line`), which the next parts' page breaks are
  predicted from.
* `None`: exit.
"""

from __future__ import annotations

import gc
import pickle
import struct
import sys
import time

_HEADER = struct.Struct("<Q")

WARM_UP = (
    '<div class="body"><p>训调通知</p><table class="grid"><thead><tr><th>序号</th>'
    "<th>姓名</th></tr></thead><tbody><tr><td>1</td><td>王堃</td></tr></tbody></table></div>"
)


def send(stream, message) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)))
    stream.write(data)
    stream.flush()


def receive(stream):
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise EOFError("the other process closed the pipe")
    (size,) = _HEADER.unpack(header)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError("the other process closed the pipe")
    return pickle.loads(data)  # noqa: S301 - our own parent process, over a private pipe


def table_rows(page) -> list[tuple[int, float, float]]:
    """(row, top, height) of the numbered table rows laid out on `page`."""
    found = []
    for box in page._page_box.descendants():
        element = getattr(box, "element", None)
        if element is not None and box.element_tag == "tr":
            row = element.get("data-row")
            if row is not None:
                found.append((int(row), box.position_y, box.height))
    return found


def line_pitch(page) -> float | None:
    """The height of a line in the cells of the numbered table rows on `page` (CSS px)."""
    for box in page._page_box.descendants():
        element = getattr(box, "element", None)
        if element is not None and box.element_tag == "tr" and element.get("data-row"):
            for cell in box.children:
                if cell.children:
                    return cell.children[0].height
    return None


def page_bottom(page) -> float:
    """The bottom of `page`'s area (where the type area ends), in CSS px."""
    box = page._page_box
    return box.content_box_y() + box.height


def lay_out(resources, request: dict) -> dict:
    from weasyprint import HTML

    font_config, css, fetcher = resources
    cpu = time.process_time()
    gc.disable()
    try:
        document = HTML(string=request["html"], url_fetcher=fetcher).render(
            stylesheets=[css], font_config=font_config
        )
        pages = document.pages
        rows = [table_rows(page) for page in pages]
        starts = [found[0][0] if found else None for found in rows]
        keep, resume = len(pages), None
        if not request["last"]:
            # The last page goes to the next part, unless it is the part's only page of
            # the table (then the next part starts after the part's rows).
            if len(pages) > 1 and (starts[-1] or 0) > request["start"]:
                keep, resume = len(pages) - 1, starts[-1]
            else:
                resume = request["end"]
        answer = {
            "pdf": document.copy(pages[:keep]).write_pdf(),
            "starts": starts[:keep],
            "resume": resume,
            "pages": keep,
            "cpu_seconds": time.process_time() - cpu,
        }
        if request.get("geometry"):
            answer["rows"] = rows
            answer["bottoms"] = [page_bottom(page) for page in pages]
            answer["line"] = next(filter(None, map(line_pitch, pages)), None)
        del document, pages
        return answer
    finally:
        gc.enable()


def main() -> None:
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    # Anything printed by a library must not corrupt the answers.
    sys.stdout = sys.stderr
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher

    from notifications.documents import justify

    justify.install()  # as in the parent: the parts' lines fill the type area
    resources = None
    while True:
        try:
            request = receive(stdin)
        except EOFError:
            return
        if request is None:
            return
        if "css" in request:
            font_config = FontConfiguration()
            css = CSS(string=request["css"], font_config=font_config)
            fetcher = URLFetcher(allowed_protocols={"data"})
            resources = (font_config, css, fetcher)
            HTML(string=WARM_UP, url_fetcher=fetcher).write_pdf(
                stylesheets=[css], font_config=font_config
            )
            send(stdout, {"ready": True})
            continue
        try:
            send(stdout, lay_out(resources, request))
        except Exception as error:  # reported to the parent, which renders in-process
            send(stdout, {"error": f"{type(error).__name__}: {error}"})
        # The part left some 150,000 objects in reference cycles (0.1–0.15 s to collect):
        # collected after the answer is on its way, not before.
        gc.collect(0)


if __name__ == "__main__":
    main()
