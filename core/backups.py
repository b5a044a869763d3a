"""Backups that restore: the database and the stored files, with a manifest of SHA-256s.

A backup is a directory (or the same as a .tar.gz) holding `manifest.json`, the database
(`database.dump`, pg_dump's custom format, or `database.sqlite3`, a copy made with SQLite's
online backup API) and `media/`, every file under MEDIA_ROOT (the issued PDFs among them).
The manifest lists the SHA-256 of every file; `restore` checks them all before it touches
anything and refuses a backup in which a file was changed, added or removed.
"""

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from contextlib import contextmanager
from pathlib import Path

MANIFEST = "manifest.json"
FORMAT = 1
MEDIA = "media"
DATABASE_FILES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}


class BackupError(Exception):
    """A backup that cannot be made, or one that must not be restored."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def vendor_of(db: dict) -> str:
    engine = db["ENGINE"]
    if "postgresql" in engine:
        return "postgresql"
    if "sqlite3" in engine:
        return "sqlite"
    raise BackupError(f"Backups support PostgreSQL and SQLite, not {engine}.")


def _is_tarball(path: Path) -> bool:
    return path.name.endswith((".tar.gz", ".tgz"))


# --- The database, through the vendor's own tools --------------------------------------


def _pg_command(program: str, db: dict, *args: str) -> None:
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    command = [program, "--dbname", db["NAME"], *args]
    if db.get("HOST"):
        command += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        command += ["--port", str(db["PORT"])]
    if db.get("USER"):
        command += ["--username", str(db["USER"])]
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:
        raise BackupError(f"{program} is not installed (PostgreSQL client tools).") from exc
    if done.returncode != 0:
        raise BackupError(f"{program} failed: {done.stderr.strip()}")


def _pg_connect(db: dict):
    import psycopg  # only the PostgreSQL leg needs it

    return psycopg.connect(
        dbname=db["NAME"],
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        autocommit=True,
    )


def _sqlite_connect(db: dict) -> sqlite3.Connection:
    name = str(db["NAME"])
    return sqlite3.connect(name, uri=name.startswith("file:"))


def table_count(db: dict) -> int:
    """How many tables the database holds (0: an empty database, safe to restore into)."""
    if vendor_of(db) == "postgresql":
        with _pg_connect(db) as conn:
            query = "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"
            return conn.execute(query).fetchone()[0]
    conn = _sqlite_connect(db)
    try:
        query = (
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
        return conn.execute(query).fetchone()[0]
    finally:
        conn.close()


def _dump_database(db: dict, target: Path) -> None:
    if vendor_of(db) == "postgresql":
        _pg_command("pg_dump", db, "--format=custom", "--file", str(target))
        return
    source, copy = _sqlite_connect(db), sqlite3.connect(target)
    try:
        source.backup(copy)  # consistent even while the application writes
    finally:
        copy.close()
        source.close()


def _load_database(db: dict, dump: Path, *, force: bool) -> None:
    if vendor_of(db) == "postgresql":
        # Objects end up owned by the restoring role (the owner); grants are not restored:
        # run `create_app_role` again afterwards.
        args = ["--no-owner", "--no-acl", "--single-transaction", "--exit-on-error"]
        if force:
            args += ["--clean", "--if-exists"]
        _pg_command("pg_restore", db, *args, str(dump))
        return
    source, target = sqlite3.connect(dump), _sqlite_connect(db)
    try:
        source.backup(target)  # replaces the whole target database
    finally:
        target.close()
        source.close()


# --- Backup ---------------------------------------------------------------------------


def _write_backup(work: Path, db: dict, media_root: Path) -> dict:
    vendor = vendor_of(db)
    database_file = DATABASE_FILES[vendor]
    _dump_database(db, work / database_file)
    media_root = Path(media_root)
    if media_root.is_dir():
        for path in sorted(p for p in media_root.rglob("*") if p.is_file()):
            copy = work / MEDIA / path.relative_to(media_root)
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, copy)
    files = {
        path.relative_to(work).as_posix(): sha256_file(path)
        for path in sorted(work.rglob("*"))
        if path.is_file()
    }
    manifest = {
        "format": FORMAT,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "vendor": vendor,
        "database": database_file,
        "files": files,
    }
    (work / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True), "utf-8")
    return manifest


def make_backup(dest: Path, *, db: dict, media_root: Path) -> dict:
    """Back up the database `db` (a DATABASES entry) and the files under `media_root`
    to `dest`: a new directory, or a .tar.gz file. Returns the manifest."""
    dest = Path(dest)
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BackupError(f"{dest} already exists; a backup is written to a new place.")
    if not _is_tarball(dest):
        created = not dest.exists()
        _make_folder(dest)
        try:
            return _write_backup(dest, db, media_root)
        except BaseException:
            # Leave no half-written backup that could be taken for a whole one.
            for path in dest.iterdir():
                if path.is_dir():
                    shutil.rmtree(path)
                else:
                    path.unlink()
            if created:
                dest.rmdir()
            raise
    _make_folder(dest.parent)  # as a directory's parents are, before the work
    with tempfile.TemporaryDirectory(prefix="xundiao-backup-") as tmp:
        manifest = _write_backup(Path(tmp), db, media_root)
        partial = dest.with_name(dest.name + ".partial")
        try:
            with tarfile.open(partial, "w:gz") as tar:
                for name in [MANIFEST, *manifest["files"]]:
                    tar.add(Path(tmp) / name, arcname=name)
            partial.rename(dest)
        except BaseException as exc:
            partial.unlink(missing_ok=True)  # no half-written tarball left behind
            if isinstance(exc, OSError):  # no permission, a full disk …
                raise BackupError(f"Cannot write {dest}: {exc.strerror or exc}.") from exc
            raise
    return manifest


def _make_folder(path: Path) -> None:
    """`path` and its missing parents; BackupError if they cannot be made (a file in
    the way, no permission)."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(f"Cannot create {path}: {exc.strerror or exc}.") from exc


# --- Verify and restore ---------------------------------------------------------------


def verify_backup(folder: Path) -> dict:
    """The manifest of the backup in `folder`, once every file matches its SHA-256;
    BackupError, naming the first difference, otherwise."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text("utf-8"))
        files, database = manifest["files"], manifest["database"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BackupError(f"{folder} holds no readable {MANIFEST}: not a backup.") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
    if database not in files:
        raise BackupError("The manifest lists no database file.")
    present = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} - {
        MANIFEST
    }
    if extra := sorted(present - set(files)):
        raise BackupError(f"Tampered backup: {extra[0]} is not in the manifest.")
    for name, expected in sorted(files.items()):
        path = folder / name
        if name not in present:
            raise BackupError(f"Tampered backup: {name} is missing.")
        actual = sha256_file(path)
        if actual != expected:
            raise BackupError(
                f"Tampered backup: {name} has SHA-256 {actual}, the manifest says {expected}."
            )
    return manifest


def _check_target(manifest, db, media_root, media_files, *, force):
    vendor = vendor_of(db)
    if manifest["vendor"] != vendor:
        raise BackupError(
            f"This is a {manifest['vendor']} backup; the target database is {vendor}."
        )
    if force:
        return
    if tables := table_count(db):
        raise BackupError(
            f"The target database is not empty ({tables} tables): restore into an empty "
            "database, or use --force to overwrite it."
        )
    for name in media_files:
        existing = media_root / name.removeprefix(MEDIA + "/")
        if existing.exists() and sha256_file(existing) != manifest["files"][name]:
            raise BackupError(f"{existing} exists with other content; use --force to overwrite it.")


@contextmanager
def _opened(src: Path):
    src = Path(src)
    if src.is_dir():
        yield src
        return
    if not (src.is_file() and _is_tarball(src)):
        raise BackupError(f"{src} is neither a backup directory nor a .tar.gz backup.")
    with tempfile.TemporaryDirectory(prefix="xundiao-restore-") as tmp:
        with tarfile.open(src, "r:gz") as tar:
            tar.extractall(tmp, filter="data")  # no absolute paths, no links out
        yield Path(tmp)


def restore_backup(src: Path, *, db: dict, media_root: Path, force: bool = False) -> dict:
    """Restore the backup `src` into the database `db` and under `media_root`, after
    verifying it. Refuses a database that has tables, and a stored file that differs from
    the backup's, unless `force`. Returns the manifest."""
    media_root = Path(media_root)
    with _opened(src) as folder:
        try:
            manifest = verify_backup(folder)
            media_files = [n for n in manifest["files"] if n.startswith(MEDIA + "/")]
            _check_target(manifest, db, media_root, media_files, force=force)
        except BackupError as exc:
            raise BackupError(f"{exc} Nothing was restored.") from exc
        _load_database(db, folder / manifest["database"], force=force)
        for name in media_files:
            target = media_root / name.removeprefix(MEDIA + "/")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(folder / name, target)
        return manifest
