"""A long 附件1 laid out by render processes side by side, at predicted page breaks
(notifications/documents/parallel.py), read back against the same notice laid out in one
pass: the same pages with the same text, also when a prediction is wrong or the render
processes cannot start."""

import dataclasses

import pypdfium2
import pytest

from notifications.documents import chunked, parallel, processes
from notifications.documents.render import render_pdf
from notifications.documents.samples import builtin_cadres, sample_dispatch_notice

# Minutes as a whole: the xdist workers take it first (tests/conftest.py).
pytestmark = pytest.mark.heavy

N = 700


def notice_context(cadres=None):
    return sample_dispatch_notice(cadres or builtin_cadres(N))


def page_texts(data: bytes) -> list[str]:
    pdf = pypdfium2.PdfDocument(data)
    try:
        texts = []
        for page in pdf:
            textpage = page.get_textpage()
            texts.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return texts
    finally:
        pdf.close()


def render(cadres=None) -> list[str]:
    rendered = render_pdf(notice_context(cadres), document_number="X组通〔2026〕7号")
    texts = page_texts(rendered.data)
    assert rendered.pages == len(texts)
    return texts


@pytest.fixture(scope="module")
def one_pass():
    """The notice laid out in one WeasyPrint pass in this process, as before the parts."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(chunked, "CHUNK_ROWS", 10**6)
        return render()


@pytest.fixture(autouse=True, scope="module")
def stop_render_processes():
    yield
    processes.stop_kept()


@pytest.fixture
def two_processes(settings):
    settings.XUNDIAO_RENDER_PROCESSES = 2


@pytest.fixture
def started(monkeypatch):
    """Every set of render processes started, in order."""
    made = []
    init = processes.Workers.__init__

    def record(self, count, css):
        init(self, count, css)
        made.append(self)

    monkeypatch.setattr(processes.Workers, "__init__", record)
    return made


@pytest.fixture
def spy(monkeypatch):
    """What the render processes were asked for: each part's first row and whether its
    end was predicted."""
    asked = []
    submit = processes.Workers.submit

    def record(self, request):
        asked.append((request["start"], request.get("geometry", False)))
        return submit(self, request)

    monkeypatch.setattr(processes.Workers, "submit", record)
    return asked


def test_parts_laid_out_side_by_side_give_the_pages_of_one_pass(one_pass, two_processes, spy):
    assert len(one_pass) > 30
    assert render() == one_pass
    # The first part, then the predicted parts: at least one for each process, and none
    # laid out again one after the other.
    assert spy[0] == (0, True)
    predicted = [start for start, geometry in spy[1:]]
    assert len(predicted) >= 2
    assert predicted == sorted(set(predicted))


def test_a_wrong_prediction_costs_a_part_laid_out_again_not_a_wrong_page(
    one_pass, two_processes, spy, monkeypatch
):
    predict = parallel.predict
    wrong = {}

    def off_by_one(model, lines, start):
        starts, sure = predict(model, lines, start)
        # From the fifth page on, every page predicted to start a row late.
        wrong["starts"] = starts[:4] + [row + 1 for row in starts[4:]]
        return wrong["starts"], sure

    monkeypatch.setattr(parallel, "predict", off_by_one)
    assert render() == one_pass
    starts = [start for start, _geometry in spy]
    # The parts after the wrong one were dropped: a part started again where the part
    # before the wrong page really ended, and the rows went on from there in order.
    assert starts != sorted(starts)


def test_rows_taller_than_any_in_the_first_part_are_predicted_from_the_line_height(
    two_processes, spy, monkeypatch
):
    # As a list sorted by unit may be: the first units' names fit on one line, a later
    # unit's name takes two, so the first part sees no two-line row.
    cadres = [
        dataclasses.replace(c, unit="XX市教育局" if i < 150 else "XX市人力资源和社会保障局")
        for i, c in enumerate(builtin_cadres(N))
    ]
    with monkeypatch.context() as patch:
        patch.setattr(chunked, "CHUNK_ROWS", 10**6)
        one = render(cadres)
    spy.clear()
    assert render(cadres) == one
    predicted = [start for start, _geometry in spy[1:]]
    assert len(predicted) >= 2 and predicted == sorted(set(predicted))
    assert predicted[-1] > 150


def test_without_render_processes_the_parts_are_laid_out_here(
    one_pass, two_processes, monkeypatch, caplog
):
    monkeypatch.setattr(processes, "WORKER_MODULE", "notifications.documents.no_such_module")
    assert render() == one_pass
    assert "Render processes failed" in caplog.text


def test_one_render_process_setting_renders_here(one_pass, settings, spy):
    settings.XUNDIAO_RENDER_PROCESSES = 1
    assert render() == one_pass
    assert spy == []


def test_the_render_processes_are_kept_for_the_next_document_then_stopped(
    two_processes, monkeypatch, started
):
    processes.stop_kept()
    context = notice_context()
    render_pdf(context, document_number="X组通〔2026〕7号")
    render_pdf(context, document_number="X组通〔2026〕8号")
    assert len(started) == 1  # the second document used the first one's processes
    (workers,) = started
    assert workers.alive()
    monkeypatch.setattr(processes, "IDLE_SECONDS", 0.05)
    processes.release(processes.acquire(2, workers.key[2]))  # kept again, briefly
    workers.timer.join(timeout=5)
    for process in workers.processes:
        assert process.wait(timeout=10) == 0  # stopped when idle, and cleanly
    assert not workers.alive()


def geometry(pages):
    """First-part geometry: per page a list of (row, top, height) and its bottom."""
    return {"rows": [rows for rows, _ in pages], "bottoms": [bottom for _, bottom in pages]}


def test_the_page_model_explains_the_pages_it_was_made_from():
    lines = [1, 1, 2, 1, 1, 1, 2, 1, 1, 1, 1]
    first = [(0, 500.0, 33.0), (1, 533.0, 33.0)]
    second = [(2, 100.0, 57.0), (3, 157.0, 33.0), (4, 190.0, 33.0)]  # room 130: 123 used
    third = [(5, 100.0, 33.0), (6, 133.0, 57.0), (7, 190.0, 33.0)]
    pages = [(first, 600.0), (second, 230.0), (third, 230.0), ([(8, 100.0, 33.0)], 230.0)]
    model = parallel.page_model({**geometry(pages), "line": 24.0}, lines)
    assert model == parallel.PageModel(heights={1: 33.0, 2: 57.0}, room=130.0, line=24.0)
    assert model.height(3) == 81.0  # one line more than the two-line rows
    # Heights that do not differ by whole lines: no height for rows not seen.
    model = parallel.page_model({**geometry(pages), "line": 20.0}, lines)
    assert model.line is None and model.height(3) is None
    # A page that stopped although the next row would have fitted: no model.
    short = [(5, 100.0, 33.0)]
    assert (
        parallel.page_model(
            geometry([(first, 600.0), (second, 230.0), (short, 230.0), (third, 230.0)]), lines
        )
        is None
    )


def test_prediction_stops_where_the_room_is_too_close_to_call():
    model = parallel.PageModel(heights={1: 33.0, 2: 57.0}, room=130.0)
    assert parallel.predict(model, [1] * 10, 0) == ([0, 3, 6, 9], 10)
    # 57 + 33 + 33 = 123; 123 + 7 would fill the room exactly: unsure from that page on.
    model = parallel.PageModel(heights={1: 33.0, 2: 57.0, 3: 7.0}, room=130.0)
    assert parallel.predict(model, [1, 1, 1, 2, 1, 1, 3], 0) == ([0], 3)
    # A row of a height never seen ends the prediction too.
    assert parallel.predict(parallel.PageModel({1: 33.0}, 130.0), [1] * 5 + [2], 0) == ([0], 3)


def test_parts_are_cut_at_predicted_pages_at_least_one_per_process():
    starts = list(range(0, 400, 20))  # 20 pages of 20 rows
    # Two parts, one for each process; the last goes on to the end of the document.
    assert parallel.plan_parts(starts, 400, 400, 2, 400) == [(0, 200, 10), (200, None, None)]
    assert parallel.plan_parts(starts, 400, 400, 2, 100) == [
        (0, 100, 5),
        (100, 200, 5),
        (200, 300, 5),
        (300, None, None),
    ]
    # The last part keeps at least two pages.
    assert parallel.plan_parts(starts[:3], 60, 60, 2, 10) == [(0, None, None)]
    assert parallel.plan_parts(starts[:4], 80, 80, 2, 10) == [(0, 40, 2), (40, None, None)]
    # Unsure from the page of row 200 on: parts up to there; the rest one after the other.
    assert parallel.plan_parts(starts[:10], 200, 400, 2, 400) == [(0, 100, 5), (100, 200, 5)]


def test_a_long_table_announced_ahead_starts_its_render_processes_early(two_processes, started):
    from notifications.documents import render as renderer

    processes.stop_kept()
    renderer.expect_long_table(chunked.CHUNK_ROWS)  # not long: nothing started
    assert started == []
    renderer.expect_long_table(N)
    assert len(started) == 1
    render_pdf(notice_context(), document_number="X组通〔2026〕9号")
    assert len(started) == 1  # the notice found them started
    processes.stop_kept()


def test_render_processes_that_do_not_answer_are_given_up_and_the_parts_laid_out_here(
    one_pass, two_processes, monkeypatch, caplog, started
):
    processes.stop_kept()
    monkeypatch.setattr(processes, "PART_SECONDS", 0.5)
    # A "render process" that reads its requests and never answers.
    monkeypatch.setattr(processes, "WORKER_MODULE", "tests.notifications.silent_worker")
    assert render() == one_pass
    assert "no answer in 0 s" in caplog.text or "no answer in 1 s" in caplog.text
    (workers,) = started
    assert not workers.alive()  # stopped, not kept for the next document
    assert processes._kept == {}


def test_no_render_processes_from_a_server_that_is_not_python(
    one_pass, two_processes, monkeypatch, caplog
):
    processes.stop_kept()
    monkeypatch.setattr(processes.sys, "executable", "/usr/bin/uwsgi")
    assert render() == one_pass
    assert "is not a Python interpreter" in caplog.text
