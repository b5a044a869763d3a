"""Progress of a running check or commit: in the cache, as JSON, and on the page."""

from imports import progress
from imports.models import ImportBatch
from tests.imports.conftest import commit, csv_file, upload


def test_the_check_and_the_commit_report_their_progress(world, client, kind, monkeypatch):
    seen = []
    real = progress.set_progress

    def spy(batch_pk, **state):
        seen.append(state)
        real(batch_pk, **state)

    monkeypatch.setattr(progress, "set_progress", spy)
    client.force_login(world.bob)
    upload(client, csv_file([[f"R{i}", f"单位{i}", ""] for i in range(3)]))
    batch = ImportBatch.objects.get()
    commit(client, batch)
    assert {"phase": "checking", "done": 3, "total": 3} in seen
    assert {"phase": "committing", "done": 3, "total": 3} in seen
    assert progress.get_progress(batch.pk)["done"] == 0  # cleared once over


def test_a_running_batch_shows_a_progress_bar_fed_by_json(world, client, kind):
    client.force_login(world.bob)
    client.post("/imports/test_units/", {"file": csv_file([["R1", "单位", ""]])})  # task not run
    batch = ImportBatch.objects.get()
    progress.set_progress(batch.pk, phase="checking", done=40, total=100)
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert f'data-progress-url="/imports/{batch.pk}/progress.json"' in page
    assert '<progress max="100" value="40">' in page
    assert '<script src="/static/imports/progress.js">' in page
    state = client.get(f"/imports/{batch.pk}/progress.json").json()
    assert state["status"] == "uploaded"
    assert (state["done"], state["total"]) == (40, 100)
    assert state["counts"]["rows"] == 0
