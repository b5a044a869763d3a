"""The layout's rules, checked on the source itself (README: Architecture): small modules,
no app holding most of the code, views without ORM writes, the dependency contracts, and
tests that share helpers through kits and fixtures, never through another test module."""

import ast
import fnmatch
import io
import subprocess
import sys
import tokenize
import tomllib
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
# Every first-party package, as the dependency contracts name them: a new app is checked
# here as soon as it is installed (test_every_installed_app_is_a_root_package sees to that).
PACKAGES = PYPROJECT["tool"]["importlinter"]["root_packages"]
APPS = [package for package in PACKAGES if package != "config"]  # config: settings, urls
TEST_FILES = PYPROJECT["tool"]["pytest"]["ini_options"]["python_files"]
MAX_MODULE_LINES = 600
MAX_APP_SHARE = 0.35


def source_files(package):
    return [p for p in (ROOT / package).rglob("*.py") if "migrations" not in p.parts]


def lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_every_installed_app_is_a_root_package():
    """An app in INSTALLED_APPS that the contracts do not name would escape every check."""
    first_party = {
        name.split(".")[0]
        for name in settings.INSTALLED_APPS
        if (ROOT / name.split(".")[0] / "__init__.py").is_file()
    }
    assert first_party == set(APPS)


def test_no_module_outside_migrations_is_longer_than_600_lines():
    long = {
        relative(path): lines(path)
        for package in PACKAGES
        for path in source_files(package)
        if lines(path) > MAX_MODULE_LINES
    }
    assert long == {}


def test_no_app_holds_more_than_35_percent_of_the_code():
    per_app = {package: sum(lines(p) for p in source_files(package)) for package in PACKAGES}
    total = sum(per_app.values())
    over = {app: f"{n / total:.0%}" for app, n in per_app.items() if n > MAX_APP_SHARE * total}
    assert over == {}


# -- views: parse, call a service, render -------------------------------------------------

# An ORM write through a manager: `Model.objects.create(...)`, `….filter(...).update(...)`.
MANAGER_WRITES = {
    "create", "update", "delete", "bulk_create", "bulk_update", "get_or_create",
    "update_or_create",
}  # fmt: skip
# The one transaction a view keeps: Viewflow's task view runs the step's service and
# `activation.execute()` in one transaction, so a refused step leaves the task open. It
# must say so in a comment at the `with` (test_the_viewflow_step_transaction_says_why).
STEP_TRANSACTION = "workflow/task_views.py"


def is_view_module(path: str) -> bool:
    """views.py, *_views.py (task_views, curriculum_views …) or any module of a views/
    package; `path` is relative to the project."""
    name = path.rsplit("/", 1)[-1]
    return name == "views.py" or name.endswith("_views.py") or "views" in path.split("/")[1:-1]


def view_modules(app):
    return sorted(p for p in source_files(app) if is_view_module(relative(p)))


def _through_objects(node) -> bool:
    """The receiver chain of a call passes through `.objects` (a model's manager)."""
    while isinstance(node, ast.Attribute | ast.Call | ast.Subscript):
        if isinstance(node, ast.Attribute) and node.attr == "objects":
            return True
        node = node.func if isinstance(node, ast.Call) else node.value
    return False


def writes(source: str) -> list[tuple[int, str, str]]:
    """(line, kind, code) of every ORM write, `.save(` and transaction in `source`; kind is
    "write" or "transaction". Calls spread over several lines are seen whole."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            attr = node.func.attr
            if attr == "save" or (attr in MANAGER_WRITES and _through_objects(node.func.value)):
                found.append((node.lineno, "write", ast.unparse(node)[:120]))
        elif (
            isinstance(node, ast.Attribute)
            and node.attr == "atomic"
            and isinstance(node.value, ast.Name)
            and node.value.id == "transaction"
        ):
            found.append((node.lineno, "transaction", ast.unparse(node)))
        elif isinstance(node, ast.ImportFrom) and node.module == "django.db.transaction":
            found.append((node.lineno, "transaction", ast.unparse(node)))
    return sorted(found)


@pytest.mark.parametrize(
    "source",
    [
        "Cadre.objects.create(name='x')",
        "Cadre.objects.filter(\n    pk=1,\n).update(name='x')",
        "models.Dispatch.objects.select_for_update().get_or_create(pk=1)",
        "Cadre.objects.all()[:5].delete()",
        "form.save()",
        "with transaction.atomic():\n    pass",
        "@transaction.atomic\ndef post(request):\n    pass",
        "from django.db.transaction import atomic",
    ],
)
def test_the_views_check_sees_a_write_however_it_is_written(source):
    assert writes(source) != []


@pytest.mark.parametrize(
    "source",
    [
        "Cadre.objects.filter(pk=1).first()",
        "services.cadre_update(actor=user, cadre=cadre)",
        "request.session.update(seen=True)",
        "'.objects.create( in a string'",
    ],
)
def test_the_views_check_lets_reads_and_service_calls_pass(source):
    assert writes(source) == []


@pytest.mark.parametrize(
    "path, view",
    [
        ("dispatch/views.py", True),
        ("dispatch/curriculum_views.py", True),
        ("workflow/task_views.py", True),
        ("api/views/tokens.py", True),
        ("dispatch/services.py", False),
        ("dispatch/previews.py", False),
        ("views/helpers.py", False),  # an app named views is not a views package
    ],
)
def test_view_modules_are_known_by_name_and_package(path, view):
    assert is_view_module(path) is view


@pytest.mark.parametrize("app", APPS)
def test_views_hold_no_orm_write_and_no_transaction(app):
    offending = [
        f"{relative(path)}:{line}: {code}"
        for path in view_modules(app)
        for line, kind, code in writes(path.read_text(encoding="utf-8"))
        if not (relative(path) == STEP_TRANSACTION and kind == "transaction")
    ]
    assert offending == []


def _comments(source: str) -> dict[int, str]:
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return {t.start[0]: t.string.lstrip("#").strip() for t in tokens if t.type == tokenize.COMMENT}


def _says_why(text: str) -> bool:
    """A sentence, not a pragma (noqa, fmt, type: …)."""
    return len(text.split()) >= 3 and not text.startswith(("noqa", "fmt:", "type:", "pragma"))


def test_the_viewflow_step_transaction_says_why():
    """The exemption above covers the step transaction of workflow/task_views.py only
    while a comment at it (on its line or the comment lines right above) says why."""
    source = (ROOT / STEP_TRANSACTION).read_text(encoding="utf-8")
    source_lines = source.splitlines()
    comments = _comments(source)
    transactions = [line for line, kind, _code in writes(source) if kind == "transaction"]
    assert transactions, f"{STEP_TRANSACTION} keeps no transaction: drop STEP_TRANSACTION"
    silent = []
    for line in transactions:
        said = [comments[line]] if line in comments else []
        above = line - 1
        while above in comments and source_lines[above - 1].lstrip().startswith("#"):
            said.append(comments[above])
            above -= 1
        if not _says_why(" ".join(reversed(said))):
            silent.append(f"{STEP_TRANSACTION}:{line}: {source_lines[line - 1].strip()}")
    assert silent == []


# -- tests share kits and fixtures, not test modules ----------------------------------------


def is_test_module(path: Path) -> bool:
    return any(fnmatch.fnmatch(path.name, pattern) for pattern in TEST_FILES)


def _module_file(name: str) -> Path | None:
    """The file under tests/ that the dotted module `name` is, if any."""
    parts = name.split(".")
    if parts[0] != "tests":
        return None
    path = ROOT.joinpath(*parts).with_suffix(".py")
    return path if path.is_file() else None


def imported_modules(source: str, package: str) -> list[tuple[int, str]]:
    """(line, dotted name) of every module that `source`, a module of `package`, imports,
    relative imports resolved, at any depth (function-level imports too): `from a import b`
    names both a and a.b, and `import_module("…")` with a literal counts as an import."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None)) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return found


def imports_of_test_modules(path: Path) -> list[str]:
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    return [
        f"{relative(path)}:{line}: imports {name}"
        for line, name in imported_modules(path.read_text(encoding="utf-8"), package)
        if (target := _module_file(name)) and is_test_module(target) and target != path
    ]


def test_no_test_module_imports_another_test_module():
    """Helpers two test modules share live in a kit (tests/<app>/kit.py, helpers.py …),
    tests/factories.py, tests/flowtools.py or a conftest fixture: importing a test module
    runs it twice over and ties one module's tests to another's helpers."""
    offending = [
        finding
        for path in sorted(TESTS.rglob("*.py"))
        if "node_modules" not in path.parts
        for finding in imports_of_test_modules(path)
    ]
    assert offending == []


@pytest.mark.parametrize(
    "source",
    [
        "from tests.circulars.test_circular_figures import pdf_text",
        "from tests.circulars import test_circular_figures",
        "def helper():\n    from .test_circular_figures import pdf_text",
        "import tests.circulars.test_circular_figures",
        "importlib.import_module('tests.circulars.test_circular_figures')",
    ],
)
def test_the_import_check_sees_every_way_of_importing_a_test_module(source):
    targets = [_module_file(name) for _line, name in imported_modules(source, "tests.circulars")]
    assert TESTS / "circulars" / "test_circular_figures.py" in targets


def test_the_dependency_contracts_hold():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout[-3000:]
