"""`manage.py import_org`: the same services from the command line."""

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from audit.models import AuditEvent
from imports.models import BatchStatus, ImportBatch
from org.models import Unit


def _file(tmp_path, rows):
    path = tmp_path / "units.csv"
    path.write_text("单位代码,单位名称\n" + "".join(f"{c},{n}\n" for c, n in rows), "utf-8")
    return str(path)


def test_without_commit_it_only_checks(world, kind, tmp_path, capsys):
    call_command(
        "import_org", _file(tmp_path, [("K1", "甲"), ("K2", "乙")]), kind="test_units", user="bob"
    )
    out = capsys.readouterr().out
    assert "rows 2: create 2, update 0, unchanged 0, errors 0" in out
    assert ImportBatch.objects.get().status == BatchStatus.PREVIEWED
    assert not Unit.objects.filter(code__in=["K1", "K2"]).exists()


def test_with_commit_it_imports_and_audits(world, kind, tmp_path, capsys):
    call_command(
        "import_org",
        _file(tmp_path, [("K1", "甲"), ("K2", "乙")]),
        kind="test_units",
        user="bob",
        commit=True,
    )
    assert "committed" in capsys.readouterr().out
    assert Unit.objects.filter(code__in=["K1", "K2"]).count() == 2
    batch = ImportBatch.objects.get()
    assert batch.status == BatchStatus.COMMITTED
    assert AuditEvent.objects.get(verb="import.commit").actor == world.bob


def test_errors_are_printed_with_their_lines_and_fail_the_command(world, kind, tmp_path, capsys):
    with pytest.raises(CommandError, match="1 rows have errors"):
        call_command(
            "import_org",
            _file(tmp_path, [("K1", "甲"), ("", "乙")]),
            kind="test_units",
            user="bob",
            commit=True,
        )
    assert "line 3" in capsys.readouterr().err
    assert not Unit.objects.filter(code="K1").exists()


def test_a_user_without_the_right_or_a_refused_file_fails(world, kind, tmp_path):
    with pytest.raises(CommandError, match="may not import"):
        call_command("import_org", _file(tmp_path, [("K1", "甲")]), kind="test_units", user="alice")
    with pytest.raises(CommandError, match="Unknown kind"):
        call_command("import_org", _file(tmp_path, [("K1", "甲")]), kind="nothing", user="bob")
    path = tmp_path / "bad.xlsx"
    path.write_bytes(b"not a zip")
    with pytest.raises(CommandError, match="不是可读取的Excel工作簿"):
        call_command("import_org", str(path), kind="test_units", user="bob")


@pytest.mark.parametrize(
    ("sample", "slug"),
    [
        ("01-units.xlsx", "units"),
        ("02-org-departments.xlsx", "org_departments"),
        ("03-cadres.xlsx", "cadres"),
        ("03-cadres-gb18030.csv", "cadres"),
        ("04-institutions.xlsx", "institutions"),
        ("05-classes.xlsx", "classes"),
        ("06-accounts.xlsx", "accounts"),
    ],
)
def test_the_kind_is_told_by_the_files_header_row(sample, slug):
    from imports import engine

    path = settings.BASE_DIR / "demo" / "samples" / sample
    with open(path, "rb") as stream:
        assert engine.kind_of_file(stream, sample).slug == slug
        assert stream.tell() == 0  # rewound for the import itself


def test_a_header_of_no_template_is_named_as_such(tmp_path):
    from django.core.exceptions import ValidationError

    from imports import engine

    path = tmp_path / "other.csv"
    path.write_text("姓名,电话\n张三,123\n", "utf-8")
    with open(path, "rb") as stream, pytest.raises(ValidationError, match="表头"):
        engine.kind_of_file(stream, "other.csv")


def test_without_kind_the_command_checks_the_file_as_its_template(world, capsys):
    """The demo's unit tree, checked (not committed) by the city's dispatcher."""
    sample = settings.BASE_DIR / "demo" / "samples" / "01-units.xlsx"
    try:
        call_command("import_org", str(sample), user="bob")
    except CommandError as exc:  # rows of units outside the test world's jurisdiction
        assert "rows have errors" in str(exc)
    out = capsys.readouterr().out
    assert out.startswith("kind: units")
    assert ImportBatch.objects.get().kind == "units"
    assert not Unit.objects.filter(code__startswith="xx-").exists()
