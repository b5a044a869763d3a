"""A cadre file that leaves out optional columns (rank, gender, the two flags, the
departments) changes only what it holds: an existing cadre keeps the values of the
columns the file does not have, where an empty cell of a column it has means "none"."""

import csv
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from imports import services
from imports.kinds import registry
from org.models import Cadre

pytestmark = pytest.mark.usefixtures("media")
KIND = registry.get("cadres")


def upload(actor, header_keys, rows):
    headers = {column.key: str(column.header) for column in KIND.columns}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([headers[key] for key in header_keys])
    for row in rows:
        writer.writerow([row.get(key, "") for key in header_keys])
    file = SimpleUploadedFile("cadres.csv", out.getvalue().encode("utf-8"))
    batch = services.batch_upload(actor=actor, kind=KIND, upload=file, name="c.csv", start=False)
    return services.batch_check(batch)


def required_cells(cadre, **cells):
    return {
        "id_number": cadre.id_number,
        "name": cadre.name,
        "unit": cadre.unit.code,
        "category": cadre.category,
        "position": cadre.position,
        **cells,
    }


REQUIRED = [column.key for column in KIND.columns if column.required]


@pytest.fixture
def ranked(world):
    Cadre.objects.filter(pk=world.cadre_a.pk).update(
        rank="正处级", is_leadership_member=True, is_young_cadre=True
    )
    world.cadre_a.refresh_from_db()
    return world.cadre_a


def test_a_file_of_the_required_columns_keeps_rank_and_flags(world, ranked):
    batch = upload(world.bob, REQUIRED, [required_cells(ranked)])
    assert (batch.rows_unchanged, batch.rows_update) == (1, 0)
    changed = upload(world.bob, REQUIRED, [required_cells(ranked, position="局长")])
    assert changed.rows_update == 1
    services.batch_commit(actor=world.bob, batch=changed)
    ranked.refresh_from_db()
    assert ranked.position == "局长"
    assert (ranked.rank, ranked.is_leadership_member, ranked.is_young_cadre) == (
        "正处级",
        True,
        True,
    )


def test_an_empty_cell_of_a_column_the_file_has_still_clears(world, ranked):
    keys = [*REQUIRED, "rank", "lead"]
    batch = upload(world.bob, keys, [required_cells(ranked, rank="", lead="否")])
    assert batch.rows_update == 1
    services.batch_commit(actor=world.bob, batch=batch)
    ranked.refresh_from_db()
    assert (ranked.rank, ranked.is_leadership_member, ranked.is_young_cadre) == ("", False, True)


def test_without_the_day_flagged_column_the_day_is_kept_and_goes_with_the_flag(world, ranked):
    Cadre.objects.filter(pk=ranked.pk).update(young_cadre_since=dt.date(2024, 5, 6))
    keys = [*REQUIRED, "young"]
    kept = upload(world.bob, keys, [required_cells(ranked, young="是")])
    assert (kept.rows_unchanged, kept.rows_update) == (1, 0)
    unflagged = upload(world.bob, keys, [required_cells(ranked, young="否")])
    assert unflagged.rows_update == 1, unflagged.rows.get().errors
    services.batch_commit(actor=world.bob, batch=unflagged)
    ranked.refresh_from_db()
    assert (ranked.is_young_cadre, ranked.young_cadre_since) == (False, None)
