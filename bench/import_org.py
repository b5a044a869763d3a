"""Benchmark: import an organization department's unit tree (2,000 units) and N cadres
(default 100,000) through the import framework — upload, check (the preview's rows) and
the all-or-nothing commit — as the city's dispatcher would from the import page.

Prints JSON: preview and commit seconds (units and cadres together, and each apart), the
process's peak resident memory, the database. Not a test: run
`python bench/import_org.py [N] [UNITS]` (DATABASE_URL picks the database; a throw-away
test database is created and dropped, see bench/setup.py). Goal: ≤ 60 s in all and
≤ 500 MB peak on this 2-core machine, on SQLite and on PostgreSQL. `--xlsx` writes and
imports both files as .xlsx workbooks instead of CSV (an administrator's export from a
spreadsheet program).
"""

import csv
import datetime as dt
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.setup import django_test_db, teardown  # noqa: E402

ARGS = [a for a in sys.argv[1:] if not a.startswith("--")]
N = int(ARGS[0]) if ARGS else 100_000
UNITS = int(ARGS[1]) if len(ARGS) > 1 else 2000
XLSX = "--xlsx" in sys.argv[1:]
CATEGORIES = [
    "乡科级领导干部",
    "一级主任科员以下职级公务员",
    "专业技术人员",
    "县处级以上党政领导干部",
]
KINDS = ["国家机关", "事业单位", "国有企业", "党的机关"]


def unit_codes(total: int):
    """(code, parent code) of a tree below "R": 20 bureaus, 10 offices each, and the rest
    as sections spread over the offices."""
    bureaus = [f"B{i:02d}" for i in range(20)]
    offices = [f"{b}-O{j}" for b in bureaus for j in range(10)]
    tree = [(b, "R") for b in bureaus] + [(o, o.split("-")[0]) for o in offices]
    k = 0
    while len(tree) < total:
        office = offices[k % len(offices)]
        tree.append((f"{office}-S{k}", office))
        k += 1
    return tree[:total]


def write_table(path, header, rows):
    """`header` and `rows` as a CSV file, or as an .xlsx workbook (XlsxWriter, constant
    memory, text cells) when `path` ends so."""
    if path.endswith(".xlsx"):
        import xlsxwriter

        book = xlsxwriter.Workbook(path, {"constant_memory": True})
        sheet = book.add_worksheet()
        for r, row in enumerate([header, *rows]):
            for c, value in enumerate(row):
                sheet.write_string(r, c, str(value))
        book.close()
        return
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)


def write_units(path, kind, tree):
    # children before parents: the import orders the tree itself
    write_table(
        path,
        [str(column.header) for column in kind.columns],
        (
            [code, f"单位{code}", KINDS[i % len(KINDS)], parent]
            for i, (code, parent) in enumerate(reversed(tree))
        ),
    )


def write_cadres(path, kind, codes, n):
    from org import idnumber

    keys = [column.key for column in kind.columns]
    start = dt.date(1965, 1, 1)

    def rows():
        for i in range(n):
            number = idnumber.make("110101", start + dt.timedelta(days=i // 1000), i % 1000)
            row = {
                "id_number": number,
                "name": f"干部{i}",
                "gender": "男" if idnumber.is_male(number) else "女",
                "unit": codes[i % len(codes)],
                "category": CATEGORIES[i % len(CATEGORIES)],
                "position": "科员",
                "rank": "一级科员",
                "managing": "",
                "co": "",
                "lead": "是" if i % 10 == 0 else "否",
                "young": "否",
            }
            yield [row.get(key, "") for key in keys]

    write_table(path, [str(column.header) for column in kind.columns], rows())


def run(actor, kind, path) -> dict:
    """Upload and check (the preview), then commit; wall-clock and this process's CPU
    seconds of each (on a loaded machine the CPU seconds are the steadier figure; on
    PostgreSQL they leave out the server's own work)."""
    from django.core.files import File

    from imports import services

    started, cpu = time.perf_counter(), time.process_time()
    with open(path, "rb") as stream:
        batch = services.batch_upload(
            actor=actor,
            kind=kind,
            upload=File(stream, name=os.path.basename(path)),
            name=os.path.basename(path),
            start=False,
        )
    batch = services.batch_check(batch)
    preview, preview_cpu = time.perf_counter() - started, time.process_time() - cpu
    assert batch.status == "previewed" and batch.rows_error == 0, (batch.refusal, batch.rows_error)
    started, cpu = time.perf_counter(), time.process_time()
    batch = services.batch_commit(actor=actor, batch=batch)
    commit, commit_cpu = time.perf_counter() - started, time.process_time() - cpu
    assert batch.status == "committed", batch.failure
    return {
        "preview": preview,
        "commit": commit,
        "preview_cpu": preview_cpu,
        "commit_cpu": commit_cpu,
        "unchanged": batch.rows_unchanged,
    }


def main():
    connection, name = django_test_db()
    media = tempfile.TemporaryDirectory()
    try:
        from django.conf import settings

        settings.MEDIA_ROOT = media.name
        settings.DEBUG = False  # no query log: it would hold every INSERT's text
        from imports.kinds import registry
        from org.models import Cadre, OrgDepartment, Unit, UnitKind
        from tests.factories import user

        root = Unit(code="R", name="中共某市委", kind=UnitKind.PARTY_ORGAN)
        root.save()
        od_unit = Unit(
            code="R-ZZB", name="中共某市委组织部", kind=UnitKind.ORG_DEPARTMENT, parent=root
        )
        od_unit.save()
        OrgDepartment.objects.create(unit=od_unit, jurisdiction=root, issuer_code="X组通")
        dispatcher = user("dispatcher", "dispatcher", root)

        tree = unit_codes(UNITS)
        units_kind, cadres_kind = registry.get("units"), registry.get("cadres")
        with tempfile.TemporaryDirectory() as folder:
            suffix = ".xlsx" if XLSX else ".csv"
            units_csv = os.path.join(folder, "units" + suffix)
            cadres_csv = os.path.join(folder, "cadres" + suffix)
            write_units(units_csv, units_kind, tree)
            write_cadres(cadres_csv, cadres_kind, [code for code, _parent in tree], N)
            file_mb = os.path.getsize(cadres_csv) / 2**20
            units = run(dispatcher, units_kind, units_csv)
            cadres = run(dispatcher, cadres_kind, cadres_csv)
            assert Unit.objects.count() == UNITS + 2 and Cadre.objects.count() == N
            # the same file again: every row unchanged, nothing written
            again = run(dispatcher, cadres_kind, cadres_csv)
            assert again["unchanged"] == N
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        def total(key):
            return round(units[key] + cadres[key], 2)

        print(
            json.dumps(
                {
                    "benchmark": "import_org",
                    "database": connection.vendor,
                    "format": "xlsx" if XLSX else "csv",
                    "n": N,
                    "units": UNITS,
                    "cadres_file_mb": round(file_mb, 1),
                    "preview_seconds": total("preview"),
                    "commit_seconds": total("commit"),
                    "total_seconds": round(total("preview") + total("commit"), 2),
                    "preview_cpu_seconds": total("preview_cpu"),
                    "commit_cpu_seconds": total("commit_cpu"),
                    "units_seconds": {k: round(units[k], 2) for k in ("preview", "commit")},
                    "cadres_seconds": {k: round(cadres[k], 2) for k in ("preview", "commit")},
                    "reimport_seconds": {k: round(again[k], 2) for k in ("preview", "commit")},
                    "peak_rss_mb": round(peak),
                    "goal_total_seconds": 60,
                    "goal_peak_rss_mb": 500,
                },
                ensure_ascii=False,
            )
        )
    finally:
        media.cleanup()
        teardown(connection, name)


if __name__ == "__main__":
    main()
