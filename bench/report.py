"""The table of `bench/run_all`: the goals of issue 14 against the figures the benchmarks
printed in one run (their JSON, keys unchanged), with the baseline a benchmark measured in
the same run, the ratio, and the load average while it ran.

`build_rows(results, loads)` takes {bench: JSON dict, or None when it failed} and {bench:
1-minute load average}; `markdown(rows, header)` renders them; `replace_between(text,
table)` puts the table between the markers of docs/performance.md. Pure functions: a test
feeds them canned JSON.
"""

from dataclasses import dataclass

START = "<!-- run_all:start -->"
END = "<!-- run_all:end -->"


@dataclass
class Row:
    measure: str
    goal: str
    measured: str
    baseline: str = "—"
    ratio: str = "—"
    load: str = "—"
    met: bool | None = None  # None: no goal to meet, or not measured


def _get(data, *path):
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def _num(value, unit="", digits=None):
    if value is None:
        return "—"
    if isinstance(value, float) and digits is not None:
        value = round(value, digits)
    if isinstance(value, (int, float)) and abs(value) >= 1000:
        return f"{value:,}{unit}"
    return f"{value}{unit}"


def _ratio(measured, baseline, digits=2):
    if not measured or not baseline:
        return "—"
    return f"{measured / baseline:.{digits}f}"


def _slowest(pages: dict, key: str, skip=("home", "dispatcher_home")):
    candidates = {k: v for k, v in (pages or {}).items() if k not in skip}
    if not candidates:
        return None, None
    name = max(candidates, key=lambda k: candidates[k][key])
    return name, candidates[name][key]


def build_rows(results: dict, loads: dict) -> list[Row]:
    rows: list[Row] = []

    def load(bench):
        value = loads.get(bench)
        return "—" if value is None else f"{value:.2f}"

    def failed(bench, measure, goal):
        rows.append(Row(measure, goal, f"not measured ({bench} failed)", load=load(bench)))

    # -- the task queue's jurisdiction filter -------------------------------------------
    reach = results.get("reach")
    if reach:
        head = reach.get("department_head") or {}
        rows.append(
            Row(
                f"task queue filter of a department head, {reach.get('tasks', 0):,} tasks: "
                "SQL, build + compile (median, grants read once)",
                "one short predicate",
                f"{_num(head.get('sql_chars'))} chars, {head.get('selects')} SELECTs, "
                f"{_num(head.get('build_ms'), ' ms')}",
                f"{_num(head.get('former_sql_chars'))} chars, {head.get('former_selects')} "
                f"SELECTs, {_num(head.get('former_build_ms'), ' ms')} (former statement)",
                _ratio(head.get("build_ms"), head.get("former_build_ms")),
                load("reach"),
                (head.get("selects") or 99) <= 3,
            )
        )
    elif "reach" in results:
        failed("reach", "task queue filter", "one short predicate")

    # -- list pages ---------------------------------------------------------------------
    pages = results.get("pages")
    if pages:
        sizes = pages.get("sizes") or []
        large = _get(pages, "stages", str(sizes[-1]), "pages") if sizes else None
        small = _get(pages, "stages", str(sizes[0]), "pages") if sizes else None
        n = f"{sizes[-1]:,}" if sizes else "?"
        name, ms = _slowest(large, "ms_median")
        base_name, base_ms = _slowest(small, "ms_median")
        rows.append(
            Row(
                f"slowest list page, {n} open tasks in reach, server time (median)",
                "≤ 150 ms",
                f"{_num(ms, ' ms')} ({name})",
                f"{_num(base_ms, ' ms')} at {sizes[0]:,} ({base_name})" if small else "—",
                _ratio(ms, base_ms, 1),
                load("pages"),
                ms is not None and ms <= 150,
            )
        )
        name, kb = _slowest(large, "kb")
        base_name, base_kb = _slowest(small, "kb")
        rows.append(
            Row(
                f"largest list page, {n} open tasks",
                "≤ 200 KB",
                f"{_num(kb, ' KB')} ({name})",
                f"{_num(base_kb, ' KB')} at {sizes[0]:,}" if small else "—",
                _ratio(kb, base_kb, 1),
                load("pages"),
                kb is not None and kb <= 200,
            )
        )
        grow = pages.get("queries_grow") or []
        rows.append(
            Row(
                "queries per list page, flat in N",
                "flat",
                "flat" if not grow else "grow: " + ", ".join(grow),
                load=load("pages"),
                met=not grow,
            )
        )
        home = _get(large, "home", "ms_median")
        rows.append(
            Row(
                f"home page (我的待办), {n} open tasks, server time (median)",
                "≤ 80 ms",
                _num(home, " ms"),
                f"{_num(_get(small, 'home', 'ms_median'), ' ms')} at {sizes[0]:,}",
                _ratio(home, _get(small, "home", "ms_median"), 1),
                load("pages"),
                home is not None and home <= 80,
            )
        )
    elif "pages" in results:
        failed("pages", "list pages, 10,000 open tasks", "≤ 150 ms, ≤ 200 KB")

    # -- roll call ----------------------------------------------------------------------
    rollcall = results.get("rollcall")
    if rollcall:
        cadres = rollcall.get("cadres")
        rows.append(
            Row(
                f"roll call of {cadres:,} cadres vs bare Viewflow, same run (median ratio)",
                "≤ 1.0×",
                f"{_num(rollcall.get('rollcall_seconds_median'), ' s')}",
                f"{_num(rollcall.get('baseline_seconds_median'), ' s')} (bare Viewflow)",
                f"{rollcall.get('ratio_median')} ({rollcall.get('ratio_min')}–"
                f"{rollcall.get('ratio_max')})",
                load("rollcall"),
                (rollcall.get("ratio_median") or 99) <= 1.0,
            )
        )
        notice = rollcall.get("dispatch_notice_seconds_after_commit_median")
        rows.append(
            Row(
                f"调训通知 for {cadres:,} cadres after commit (median of the rounds)",
                "≤ 3 s",
                _num(notice, " s"),
                f"{_num(rollcall.get('dispatch_notice_seconds_after_commit_first'), ' s')} "
                "(first round, starting the render processes)"
                if rollcall.get("dispatch_notice_seconds_after_commit_first") is not None
                else "—",
                load=load("rollcall"),
                met=notice is not None and notice <= 3,
            )
        )
    elif "rollcall" in results:
        failed("rollcall", "roll call vs bare Viewflow", "≤ 1.0×")

    # -- compliance ---------------------------------------------------------------------
    compliance = results.get("compliance")
    if compliance:
        size = f"{compliance.get('cadres', 0):,} cadres / {compliance.get('hour_records', 0):,} records"
        evaluate = compliance.get("evaluate_seconds")
        rows.append(
            Row(
                f"compliance evaluate, {size} ({compliance.get('database')})",
                "≤ 1 s",
                _num(evaluate, " s"),
                load=load("compliance"),
                met=evaluate is not None and evaluate <= 1,
            )
        )
        page = compliance.get("report_page_seconds")
        python = compliance.get("report_page_in_python_seconds")
        rows.append(
            Row(
                f"compliance report page, same data ({compliance.get('database')})",
                "≤ 300 ms",
                _num(None if page is None else round(page * 1000), " ms"),
                f"{_num(python, ' s')} (every cadre in Python)" if python else "—",
                _ratio(page, python),
                load("compliance"),
                page is not None and page <= 0.3,
            )
        )
    elif "compliance" in results:
        failed("compliance", "compliance evaluate and report page", "≤ 1 s, ≤ 300 ms")

    # -- circular (the goal is for PostgreSQL; SQLite's figure is shown beside it) -------
    for bench in ("circular_pg", "circular"):
        circular = results.get(bench)
        if circular:
            best = circular.get("figures_seconds_best_of_3")
            on_postgres = circular.get("database") == "postgresql"
            reference = circular.get("group_by_unit_status_seconds")
            rows.append(
                Row(
                    f"circular figures, {circular.get('dispatches', 0):,} dispatches "
                    f"({circular.get('database')})",
                    "≤ 0.3 s" if on_postgres else "— (the goal is for PostgreSQL)",
                    _num(best, " s"),
                    f"{_num(reference, ' s')} (one GROUP BY unit, status)",
                    _num(circular.get("ratio_to_group_by")),
                    load=load(bench),
                    met=(best is not None and best <= 0.3) if on_postgres else None,
                )
            )
        elif bench in results:
            failed(bench, f"circular figures ({bench})", "≤ 0.3 s")

    # -- seed_demo ----------------------------------------------------------------------
    seed = results.get("seed_demo")
    if seed:
        rows.append(
            Row(
                "seed_demo on SQLite",
                "≤ 15 s",
                _num(seed.get("seconds"), " s"),
                load=load("seed_demo"),
                met=(seed.get("seconds") or 99) <= 15,
            )
        )
    elif "seed_demo" in results:
        failed("seed_demo", "seed_demo on SQLite", "≤ 15 s")

    # -- HTTP ---------------------------------------------------------------------------
    http = results.get("http_load")
    if http:
        rps = http.get("home_requests_per_second")
        login = http.get("login_requests_per_second")
        p95 = http.get("home_p95_ms")
        rows.append(
            Row(
                f"head's home page over HTTP, {http.get('server')}, {http.get('clients')} "
                f"clients ({http.get('database')})",
                "≥ 100 req/s, p95 ≤ 100 ms",
                f"{_num(rps, ' req/s')}, p95 {_num(p95, ' ms')}",
                f"{_num(login, ' req/s')} (login page)",
                _ratio(rps, login),
                load("http_load"),
                rps is not None and p95 is not None and rps >= 100 and p95 <= 100,
            )
        )
        one = http.get("home_one_client_p50_ms")
        if one is not None:
            rows.append(
                Row(
                    "the same home page from one client at a time (p50)",
                    "—",
                    _num(one, " ms"),
                    f"{_num(_get(http, 'login_page', 'p50_ms'), ' ms')} (login page, 4 clients)",
                    load=load("http_load"),
                )
            )
        decision = http.get("decision") or {}
        rows.append(
            Row(
                "a decision (approval step) over HTTP, same server",
                "—",
                f"{_num(decision.get('requests_per_second'), ' req/s')}, p95 "
                f"{_num(decision.get('p95_ms'), ' ms')} ({decision.get('steps_decided')} of "
                f"{(decision.get('requests') or 0) + (decision.get('errors') or 0)} decided)",
                load=load("http_load"),
            )
        )
    elif "http_load" in results:
        failed("http_load", "head's home page over HTTP", "≥ 100 req/s, p95 ≤ 100 ms")

    # -- the 调训通知 alone, through the service (bench/dispatch_notice.py) ---------------
    notices = _get(results.get("dispatch_notice"), "notices") or {}
    former = _get(results.get("dispatch_notice"), "former_1000") or {}
    for size, goal, measure in (
        ("1000", "≤ 3 s", "调训通知 for 1,000 cadres, issued through the service"),
        ("10000", "≤ 20 s, ≤ 300 MB", "调训通知 of a 10,000-cadre roll call"),
    ):
        notice = notices.get(size)
        if not notice:
            if "dispatch_notice" in results:
                failed("dispatch_notice", measure, goal)
            elif size == "10000":
                rows.append(Row(measure, goal, "not measured by a bench"))
            continue
        seconds, peak = notice.get("seconds"), notice.get("peak_rss_mb")
        baseline, ratio = "—", "—"
        if size == "1000" and former.get("seconds"):
            baseline = (
                f"{_num(former['seconds'], ' s')} ({_num(former.get('cpu_seconds'), ' s')} CPU),"
                f" peak {_num(former.get('peak_rss_mb'), ' MB')} (one pass, as before)"
            )
            ratio = _ratio(notice.get("cpu_seconds"), former.get("cpu_seconds")) + " (CPU)"
        memory_goal = notice.get("goal_peak_rss_mb")
        rows.append(
            Row(
                measure,
                goal,
                f"{_num(seconds, ' s')} ({_num(notice.get('cpu_seconds'), ' s')} CPU), "
                f"{_num(notice.get('pages'))} pages, peak {_num(peak, ' MB')} (the web "
                "process: the goal's)"
                + (
                    f", and {notice['render_processes']} render processes of up to "
                    f"{_num(notice['render_process_peak_rss_mb'], ' MB')} each"
                    if notice.get("render_process_peak_rss_mb")
                    else ""
                ),
                baseline,
                ratio,
                f"{notice['load_average']:.2f}"
                if notice.get("load_average") is not None
                else load("dispatch_notice"),
                seconds is not None
                and seconds <= (notice.get("goal_seconds") or 0)
                and (memory_goal is None or (peak or 1e9) <= memory_goal),
            )
        )

    # -- memory -------------------------------------------------------------------------
    peaks = {
        bench: data.get("peak_rss_mb_process")
        for bench, data in results.items()
        if bench in ("pages", "rollcall") and data and data.get("peak_rss_mb_process")
    }
    if peaks:
        bench = max(peaks, key=peaks.get)
        rows.append(
            Row(
                "peak memory of the pages and roll call benchmarks (process RSS)",
                "≤ 300 MB",
                f"{_num(peaks[bench], ' MB')} ({bench})",
                load=load(bench),
                met=peaks[bench] <= 300,
            )
        )

    # -- the other benchmarks, with their own goals -------------------------------------
    documents = results.get("documents")
    if documents:
        render = documents.get("render") or {}
        rows.append(
            Row(
                "2-page notice: service renderer vs bare WeasyPrint (median)",
                "≤ 1.2×",
                _num(render.get("service_median_ms"), " ms"),
                f"{_num(render.get('bare_weasyprint_median_ms'), ' ms')} (bare WeasyPrint)",
                _num(render.get("ratio")),
                load("documents"),
                (render.get("ratio") or 99) <= 1.2,
            )
        )
    elif "documents" in results:
        failed("documents", "notice rendering", "≤ 1.2×")
    export = results.get("export_cadres")
    if export:
        xlsx = export.get("xlsx") or {}
        seconds = xlsx.get("seconds")
        rows.append(
            Row(
                f"cadre list export, {export.get('cadres', 0):,} rows (.xlsx)",
                f"≤ {export.get('goal_seconds')} s",
                _num(seconds, " s"),
                load=load("export_cadres"),
                met=seconds is not None and seconds <= (export.get("goal_seconds") or 0),
            )
        )
    elif "export_cadres" in results:
        failed("export_cadres", "cadre list export", "—")
    imports = results.get("import_org")
    if imports:
        total = imports.get("total_seconds")
        rows.append(
            Row(
                f"organization import, {imports.get('n', 0):,} cadres and "
                f"{imports.get('units', 0):,} units",
                f"≤ {imports.get('goal_total_seconds')} s, ≤ {imports.get('goal_peak_rss_mb')} MB",
                f"{_num(total, ' s')}, {_num(imports.get('peak_rss_mb'), ' MB')}",
                load=load("import_org"),
                met=total is not None
                and total <= (imports.get("goal_total_seconds") or 0)
                and (imports.get("peak_rss_mb") or 0) <= (imports.get("goal_peak_rss_mb") or 0),
            )
        )
    elif "import_org" in results:
        failed("import_org", "organization import", "—")
    suggestions = results.get("suggestions")
    if suggestions:
        rows.append(
            Row(
                f"candidate suggestions, pool of {suggestions.get('pool', 0):,}",
                "—",
                _num(suggestions.get("best_seconds"), " s"),
                load=load("suggestions"),
            )
        )
    elif "suggestions" in results:
        failed("suggestions", "candidate suggestions", "—")
    ledger = results.get("hours_ledger")
    if ledger:
        first = _get(ledger, "pages", "page_1") or {}
        seconds = first.get("seconds")
        rows.append(
            Row(
                f"hours ledger page 1, {first.get('total', 0):,} records ({ledger.get('database')})",
                "≤ 500 ms, flat queries",
                f"{_num(None if seconds is None else round(seconds * 1000), ' ms')}, "
                f"{first.get('queries')} queries",
                baseline=_num(_get(ledger, "pages", "name_search", "seconds"), " s")
                + " (a name's records)",
                load=load("hours_ledger"),
                met=seconds is not None and seconds <= 0.5,
            )
        )
    elif "hours_ledger" in results:
        failed("hours_ledger", "hours ledger page", "≤ 500 ms")
    plan = results.get("plan_page")
    if plan:
        first = _get(plan, "pages", "drafter_first") or {}
        last = _get(plan, "pages", "drafter_last") or {}
        ms, kb = first.get("ms_median"), first.get("kb")
        rows.append(
            Row(
                f"plan page, {plan.get('classes', 0):,} classes × {plan.get('units', 0)} units "
                "(the drafter's, median)",
                f"≤ {plan.get('goal_ms')} ms, ≤ {plan.get('goal_kb')} KB",
                f"{_num(ms, ' ms')}, {_num(kb, ' KB')}, {first.get('queries')} queries",
                baseline=f"{_num(last.get('ms_median'), ' ms')} (last page, "
                f"{last.get('queries')} queries)",
                load=load("plan_page"),
                met=ms is not None
                and kb is not None
                and ms <= (plan.get("goal_ms") or 0)
                and kb <= (plan.get("goal_kb") or 0)
                and first.get("queries") == last.get("queries"),
            )
        )
    elif "plan_page" in results:
        failed("plan_page", "plan page", "≤ 150 ms, ≤ 200 KB")
    return rows


def markdown(rows: list[Row], header: str) -> str:
    lines = [
        header,
        "",
        "| measure | goal | measured | baseline (same run) | ratio | load avg | met |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        met = {True: "yes", False: "**no**", None: "—"}[row.met]
        cells = (row.measure, row.goal, row.measured, row.baseline, row.ratio, row.load, met)
        lines.append("| " + " | ".join(str(c).replace("|", "/") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def replace_between(text: str, table: str) -> str:
    """`text` with the table between the markers (a new section at the end without them)."""
    block = f"{START}\n{table}{END}"
    if START in text and END in text:
        before, rest = text.split(START, 1)
        _old, after = rest.split(END, 1)
        return before + block + after
    section = (
        "\n## Benchmark suite\n\n"
        "Written by `bench/run_all` (do not edit by hand): every benchmark in `bench/` with "
        "its default arguments, in one run, against the goals of issue 14.\n\n"
    )
    return text.rstrip("\n") + "\n" + section + block + "\n"
