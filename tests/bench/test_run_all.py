"""bench/run_all's table: built from the benchmarks' JSON as they print it (canned here,
not run), each goal against its figure, the baseline of the same run and the ratio, and
written between the markers of docs/performance.md without touching the rest."""

import importlib.machinery
import importlib.util
from pathlib import Path

from bench import report

PAGES = {
    "benchmark": "pages",
    "sizes": [100, 10000],
    "stages": {
        "100": {
            "pages": {
                "home": {"ms_median": 40.0, "kb": 8.0, "queries": 14},
                "my_tasks": {"ms_median": 60.0, "kb": 20.0, "queries": 7},
                "overdue": {"ms_median": 70.0, "kb": 30.0, "queries": 10},
            }
        },
        "10000": {
            "pages": {
                "home": {"ms_median": 55.0, "kb": 8.0, "queries": 14},
                "my_tasks": {"ms_median": 90.0, "kb": 20.0, "queries": 7},
                "overdue": {"ms_median": 1300.0, "kb": 2700.0, "queries": 11},
            }
        },
    },
    "queries_grow": ["overdue"],
    "peak_rss_mb_process": 420.0,
}
ROLLCALL = {
    "benchmark": "rollcall",
    "cadres": 1000,
    "rollcall_seconds_median": 1.2,
    "baseline_seconds_median": 1.5,
    "ratio_median": 0.8,
    "ratio_min": 0.7,
    "ratio_max": 0.95,
    "dispatch_notice_seconds_after_commit_median": 4.8,
    "dispatch_notice_seconds_after_commit_first": 5.9,
    "peak_rss_mb_process": 150.0,
}
HTTP = {
    "benchmark": "http",
    "database": "sqlite",
    "server": "gunicorn 4 workers, DEBUG=0",
    "clients": 4,
    "home_requests_per_second": 120.0,
    "home_p95_ms": 60.0,
    "login_requests_per_second": 240.0,
    "decision": {"requests_per_second": 30.0, "p95_ms": 150.0, "requests": 40, "errors": 0,
                 "steps_decided": 40},
}  # fmt: skip


def rows_by_measure(results, loads=None):
    return {r.measure: r for r in report.build_rows(results, loads or {})}


def test_each_goal_is_set_against_its_figure_baseline_and_ratio():
    rows = rows_by_measure(
        {"pages": PAGES, "rollcall": ROLLCALL, "http_load": HTTP},
        {"pages": 3.5, "rollcall": 2.25, "http_load": 4.0},
    )
    slowest = rows["slowest list page, 10,000 open tasks in reach, server time (median)"]
    assert (slowest.goal, slowest.met, slowest.load) == ("≤ 150 ms", False, "3.50")
    assert slowest.measured == "1,300.0 ms (overdue)"
    assert slowest.baseline == "70.0 ms at 100 (overdue)" and slowest.ratio == "18.6"
    assert rows["largest list page, 10,000 open tasks"].measured == "2,700.0 KB (overdue)"
    assert rows["queries per list page, flat in N"].measured == "grow: overdue"
    home = rows["home page (我的待办), 10,000 open tasks, server time (median)"]
    assert (home.measured, home.met) == ("55.0 ms", True)
    rollcall = rows["roll call of 1,000 cadres vs bare Viewflow, same run (median ratio)"]
    assert rollcall.ratio == "0.8 (0.7–0.95)" and rollcall.met
    assert rollcall.baseline == "1.5 s (bare Viewflow)" and rollcall.load == "2.25"
    notice = rows["调训通知 for 1,000 cadres after commit (median of the rounds)"]
    assert (notice.measured, notice.met) == ("4.8 s", False)
    assert notice.baseline == "5.9 s (first round, starting the render processes)"
    http = next(r for m, r in rows.items() if m.startswith("head's home page over HTTP"))
    assert http.measured == "120.0 req/s, p95 60.0 ms" and http.ratio == "0.50" and http.met
    assert http.baseline == "240.0 req/s (login page)"
    memory = rows["peak memory of the pages and roll call benchmarks (process RSS)"]
    assert memory.measured == "420.0 MB (pages)" and memory.met is False


def test_the_task_filter_is_set_against_the_former_statement():
    reach = {
        "tasks": 10000,
        "department_head": {"sql_chars": 1037, "selects": 2, "build_ms": 2.0,
                            "former_sql_chars": 9030, "former_selects": 25,
                            "former_build_ms": 40.0},
    }  # fmt: skip
    (row,) = [r for r in report.build_rows({"reach": reach}, {}) if r.measure.startswith("task")]
    assert row.measured == "1,037 chars, 2 SELECTs, 2.0 ms" and row.ratio == "0.05" and row.met
    assert row.baseline == "9,030 chars, 25 SELECTs, 40.0 ms (former statement)"


def test_a_failed_benchmark_is_reported_not_measured():
    rows = rows_by_measure({"pages": PAGES, "compliance": None})
    failed = rows["compliance evaluate and report page"]
    assert failed.measured == "not measured (compliance failed)" and failed.met is None
    assert not any(m.startswith("roll call") for m in rows)  # not run: no row


def test_the_table_is_written_between_the_markers_only():
    table = report.markdown(report.build_rows({"rollcall": ROLLCALL}, {}), "Measured today.")
    assert table.splitlines()[2].startswith("| measure | goal | measured | baseline")
    assert "| **no** |" in table  # the notice misses its goal
    text = f"# Performance\n\nBy hand.\n\n{report.START}\nold table\n{report.END}\n\nMore.\n"
    written = report.replace_between(text, table)
    assert "old table" not in written and "Measured today." in written
    assert written.startswith("# Performance\n\nBy hand.\n\n") and written.endswith("\n\nMore.\n")
    assert report.replace_between(written, table) == written
    fresh = report.replace_between("# Performance\n", table)
    assert "## Benchmark suite" in fresh and fresh.count(report.START) == 1


def test_run_all_reads_the_last_json_a_benchmark_printed():
    path = Path(__file__).resolve().parents[2] / "bench" / "run_all"
    loader = importlib.machinery.SourceFileLoader("run_all", str(path))
    spec = importlib.util.spec_from_loader("run_all", loader)
    run_all = importlib.util.module_from_spec(spec)
    loader.exec_module(run_all)
    assert run_all.last_json('progress\n{"a": 1}\n') == {"a": 1}
    assert run_all.last_json('log\n{\n  "a": {\n    "b": 2\n  }\n}\n') == {"a": {"b": 2}}
    assert run_all.last_json("Traceback …") is None
    assert set(run_all.BENCHES) >= {"reach", "pages", "http_load", "rollcall", "compliance"}


def test_the_dispatch_notice_rows_hold_time_pages_and_peak_memory():
    notices = {
        "notices": {
            "1000": {
                "seconds": 2.5,
                "cpu_seconds": 2.4,
                "pages": 52,
                "peak_rss_mb": 380.0,
                "load_average": 1.5,
                "goal_seconds": 3.0,
                "goal_peak_rss_mb": None,
            },
            "10000": {
                "seconds": 25.0,
                "cpu_seconds": 24.0,
                "pages": 480,
                "peak_rss_mb": 290.0,
                "load_average": 2.0,
                "goal_seconds": 20.0,
                "goal_peak_rss_mb": 300.0,
                "render_processes": 2,
                "render_process_peak_rss_mb": 260.0,
            },
        },
        "former_1000": {"seconds": 5.0, "cpu_seconds": 4.8, "peak_rss_mb": 450.0},
    }
    rows = rows_by_measure({"dispatch_notice": notices}, {"dispatch_notice": 1.0})
    thousand = rows["调训通知 for 1,000 cadres, issued through the service"]
    assert thousand.measured == (
        "2.5 s (2.4 s CPU), 52 pages, peak 380.0 MB (the web process: the goal's)"
    )
    assert (thousand.met, thousand.load, thousand.ratio) == (True, "1.50", "0.50 (CPU)")
    assert thousand.baseline == "5.0 s (4.8 s CPU), peak 450.0 MB (one pass, as before)"
    ten = rows["调训通知 of a 10,000-cadre roll call"]
    assert (ten.goal, ten.met, ten.load) == ("≤ 20 s, ≤ 300 MB", False, "2.00")
    # The render processes' memory is said beside the web process's, not hidden.
    assert ten.measured.endswith("and 2 render processes of up to 260.0 MB each")
    missing = rows_by_measure({}, {})["调训通知 of a 10,000-cadre roll call"]
    assert missing.measured == "not measured by a bench"


def test_the_circular_goal_is_judged_on_postgresql_and_sqlite_is_shown_beside_it():
    def circular(database, best):
        return {
            "benchmark": "circular",
            "database": database,
            "dispatches": 1_000_000,
            "figures_seconds_best_of_3": best,
            "group_by_unit_status_seconds": 0.2,
            "ratio_to_group_by": round(best / 0.2, 2),
        }

    rows = rows_by_measure(
        {"circular_pg": circular("postgresql", 0.12), "circular": circular("sqlite", 0.69)}
    )
    on_postgres = rows["circular figures, 1,000,000 dispatches (postgresql)"]
    on_sqlite = rows["circular figures, 1,000,000 dispatches (sqlite)"]
    assert (on_postgres.goal, on_postgres.measured, on_postgres.met) == ("≤ 0.3 s", "0.12 s", True)
    assert on_sqlite.met is None and "PostgreSQL" in on_sqlite.goal
    slow = rows_by_measure({"circular_pg": circular("postgresql", 0.4)})
    assert slow["circular figures, 1,000,000 dispatches (postgresql)"].met is False


def test_the_hours_ledger_and_the_plan_page_have_their_rows():
    ledger = {
        "database": "sqlite",
        "pages": {
            "page_1": {"seconds": 0.497, "queries": 7, "rows": 50, "total": 1000000},
            "name_search": {"seconds": 0.113, "queries": 7, "rows": 10, "total": 10},
        },
    }
    plan = {
        "classes": 200,
        "units": 60,
        "goal_ms": 150.0,
        "goal_kb": 200.0,
        "pages": {
            "drafter_first": {"ms_median": 57.0, "kb": 32.5, "queries": 14},
            "drafter_last": {"ms_median": 55.0, "kb": 20.1, "queries": 14},
        },
    }
    rows = rows_by_measure({"hours_ledger": ledger, "plan_page": plan}, {"plan_page": 1.5})
    page = rows["hours ledger page 1, 1,000,000 records (sqlite)"]
    assert (page.measured, page.met) == ("497 ms, 7 queries", True)
    plan_row = rows["plan page, 200 classes × 60 units (the drafter's, median)"]
    assert (plan_row.measured, plan_row.met, plan_row.load) == (
        "57.0 ms, 32.5 KB, 14 queries",
        True,
        "1.50",
    )
    plan["pages"]["drafter_last"]["queries"] = 15  # not flat: not met
    assert not rows_by_measure({"plan_page": plan})[plan_row.measure].met
    assert "failed" in rows_by_measure({"hours_ledger": None})["hours ledger page"].measured
