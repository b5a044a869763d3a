"""The layout's rules, checked on the source itself (README: Architecture): small modules,
no app holding most of the code, views without ORM writes, and the dependency contracts."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = [
    "core", "audit", "notifications", "org", "workflow", "approvals", "ledger", "dispatch",
    "circulars", "demo", "config",
]  # fmt: skip
MAX_MODULE_LINES = 600
MAX_APP_SHARE = 0.35


def source_files(app):
    return [p for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts]


def lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_no_module_outside_migrations_is_longer_than_600_lines():
    long = {
        str(path.relative_to(ROOT)): lines(path)
        for app in APPS
        for path in source_files(app)
        if lines(path) > MAX_MODULE_LINES
    }
    assert long == {}


def test_no_app_holds_more_than_35_percent_of_the_code():
    per_app = {app: sum(lines(p) for p in source_files(app)) for app in APPS}
    total = sum(per_app.values())
    over = {app: f"{n / total:.0%}" for app, n in per_app.items() if n > MAX_APP_SHARE * total}
    assert over == {}


# An ORM write or a transaction in a view: `.objects.create(`, `.update(`, `.delete(`,
# `.save(`, `bulk_*`, `get_or_create`, `transaction.atomic`.
WRITE = re.compile(
    r"\.objects\.[\w.()\"', =]*\b(create|update|delete|bulk_create|bulk_update|"
    r"get_or_create|update_or_create)\(|\.save\(|transaction\.atomic"
)


@pytest.mark.parametrize("app", APPS)
def test_views_hold_no_orm_write_and_no_transaction(app):
    offending = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in (ROOT / app).rglob("views.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if WRITE.search(line)
    ]
    assert offending == []


def test_the_dependency_contracts_hold():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout[-3000:]
