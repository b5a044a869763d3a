"""A backup restores: `backup` writes the database, the stored PDFs and a manifest of
SHA-256s; `restore` puts them into an empty database and media folder, where the rows,
the documents' hashes and the audit trail are the same as the original's. A tampered
backup and a database that is not empty are refused."""

import datetime as dt
import hashlib
import sqlite3
import uuid
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection

from audit.models import AuditEvent
from dispatch.models import TrainingClass
from notifications import services
from notifications.documents.context import DocumentContext, Issuer, Paragraph
from notifications.documents.render import RenderedPdf
from notifications.models import DocumentKind, IssuedDocument
from org.models import Cadre, Unit

# pg_dump reads committed rows only, and SQLite's backup API waits for open transactions.
pytestmark = pytest.mark.django_db(transaction=True)

KEY_MODELS = [get_user_model(), Unit, Cadre, TrainingClass, IssuedDocument, AuditEvent]


@pytest.fixture
def issued(world, klass, media, monkeypatch):
    """Two issued documents (a stand-in PDF renderer: this is about storage, not layout)."""

    def fake(context, *, document_number, preview=False):
        return RenderedPdf(data=f"%PDF-1.7 {document_number} {context.title}".encode(), pages=1)

    monkeypatch.setattr(services, "render_pdf", fake)
    context = DocumentContext(
        issuer=Issuer(name="中共某市委组织部", code="X组通"),
        title="关于举办培训班的通知",
        date=dt.date(2026, 3, 5),
        body=[Paragraph("正文。")],
    )
    for _ in range(2):
        services.issue_document(actor=world.bob, kind=DocumentKind.DISPATCH_NOTICE, context=context)


@contextmanager
def empty_database(tmp_path):
    """The URL of a new, empty database (and a way to query it), dropped afterwards."""
    if connection.vendor == "sqlite":
        path = tmp_path / f"restored-{uuid.uuid4().hex[:6]}.sqlite3"

        def query(sql):
            with sqlite3.connect(path) as conn:
                return conn.execute(sql).fetchall()

        yield f"sqlite:///{path}", query
        return
    db = connection.settings_dict
    name = f"{db['NAME']}_restore_{uuid.uuid4().hex[:6]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    params = {
        "host": db.get("HOST") or "127.0.0.1",
        "port": db.get("PORT") or 5432,
        "user": db.get("USER") or "postgres",
    }

    def query(sql):
        with psycopg.connect(dbname=name, **params) as conn:
            return conn.execute(sql).fetchall()

    try:
        yield f"postgres://{params['user']}@{params['host']}:{params['port']}/{name}", query
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _original_state():
    return {
        "counts": {m._meta.db_table: m.objects.count() for m in KEY_MODELS},
        "documents": list(
            IssuedDocument.objects.order_by("pk").values_list("pk", "sha256", "file")
        ),
        "last_events": list(
            AuditEvent.objects.order_by("-pk").values_list("pk", "verb", "target_id")[:5]
        ),
    }


def _restored_state(query):
    return {
        "counts": {
            m._meta.db_table: query(f"SELECT count(*) FROM {m._meta.db_table}")[0][0]
            for m in KEY_MODELS
        },
        "documents": [
            tuple(row)
            for row in query(
                "SELECT id, sha256, file FROM notifications_issueddocument ORDER BY id"
            )
        ],
        "last_events": [
            tuple(row)
            for row in query(
                "SELECT id, verb, target_id FROM audit_auditevent ORDER BY id DESC LIMIT 5"
            )
        ],
    }


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_backup_restores_into_an_empty_database_with_the_same_rows_files_and_trail(
    issued, media, tmp_path
):
    original = _original_state()
    assert original["counts"]["notifications_issueddocument"] == 2
    call_command("backup", str(tmp_path / "backup"), verbosity=0)

    restored_media = tmp_path / "restored-media"
    with empty_database(tmp_path) as (url, query):
        call_command(
            "restore",
            str(tmp_path / "backup"),
            database_url=url,
            media_root=str(restored_media),
            verbosity=0,
        )
        assert _restored_state(query) == original
        for _pk, sha256, name in original["documents"]:
            assert _sha256(restored_media / name) == sha256

        # Restoring again over the restored database needs --force.
        with pytest.raises(CommandError, match="not empty"):
            call_command("restore", str(tmp_path / "backup"), database_url=url,
                         media_root=str(restored_media))  # fmt: skip
        call_command(
            "restore",
            str(tmp_path / "backup"),
            database_url=url,
            media_root=str(restored_media),
            force=True,
            verbosity=0,
        )
        assert _restored_state(query) == original


def test_a_tampered_backup_is_refused_and_nothing_is_restored(issued, tmp_path):
    call_command("backup", str(tmp_path / "backup"), verbosity=0)
    pdf = next((tmp_path / "backup" / "media").rglob("*.pdf"))
    pdf.write_bytes(pdf.read_bytes() + b"forged")

    with empty_database(tmp_path) as (url, query):
        with pytest.raises(CommandError, match=r"Tampered backup: media/.*\.pdf has SHA-256"):
            call_command("restore", str(tmp_path / "backup"), database_url=url,
                         media_root=str(tmp_path / "restored-media"))  # fmt: skip
        assert not (tmp_path / "restored-media").exists()
        if connection.vendor == "sqlite":
            assert query("SELECT count(*) FROM sqlite_master") == [(0,)]
        else:
            tables = "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
            assert query(tables) == [(0,)]


def test_a_tarball_backup_restores_too_and_refuses_a_non_empty_database(issued, tmp_path):
    tarball = tmp_path / "backup.tar.gz"
    call_command("backup", str(tarball), verbosity=0)
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(tarball), media_root=str(tmp_path / "m"))  # the live one
    with empty_database(tmp_path) as (url, query):
        call_command("restore", str(tarball), database_url=url,
                     media_root=str(tmp_path / "m"), verbosity=0)  # fmt: skip
        assert query("SELECT count(*) FROM audit_auditevent") == [(AuditEvent.objects.count(),)]


def test_a_tarball_into_a_missing_folder_makes_it_and_one_that_cannot_be_made_is_refused(
    issued, tmp_path
):
    """As a directory backup's parents are made, a tarball's folder is; a folder that
    cannot be made (a file is in its way) is a clear error, not a traceback, and leaves
    nothing behind."""
    tarball = tmp_path / "nightly" / "2026" / "backup.tar.gz"
    call_command("backup", str(tarball), verbosity=0)
    assert tarball.is_file() and not tarball.with_name("backup.tar.gz.partial").exists()
    (tmp_path / "blocked").write_text("a file, not a folder")
    with pytest.raises(CommandError, match="Cannot create .*blocked"):
        call_command("backup", str(tmp_path / "blocked" / "backup.tar.gz"), verbosity=0)
    with pytest.raises(CommandError, match="Cannot create .*blocked"):
        call_command("backup", str(tmp_path / "blocked" / "folder"), verbosity=0)
    assert not list(tmp_path.glob("**/*.partial")) and (tmp_path / "blocked").is_file()


def test_a_tarball_that_fails_half_written_leaves_nothing(issued, tmp_path, monkeypatch):
    """A disk that fills while the tarball is written: a clear error, and no .partial
    file that could be taken for a backup."""
    import tarfile

    def full_disk(self, *args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tarfile.TarFile, "add", full_disk)
    with pytest.raises(CommandError, match="Cannot write .*No space left on device"):
        call_command("backup", str(tmp_path / "out" / "backup.tar.gz"), verbosity=0)
    assert list((tmp_path / "out").iterdir()) == []
