"""`manage.py backup DEST`: the database and the stored files, with a SHA-256 manifest."""

import environ
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from core.backups import BackupError, make_backup


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump custom format, or SQLite's online backup) and every "
        "file under MEDIA_ROOT to DEST, a new directory or a .tar.gz, with manifest.json "
        "holding the SHA-256 of each file."
    )

    def add_arguments(self, parser):
        parser.add_argument("dest", help="a new directory, or a file ending in .tar.gz")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)
        parser.add_argument(
            "--database-url", help="back up this database instead of the configured one"
        )
        parser.add_argument("--media-root", help="files to back up (default: MEDIA_ROOT)")

    def handle(self, *args, dest, database, database_url, media_root, **options):
        db = (
            environ.Env.db_url_config(database_url)
            if database_url
            else connections[database].settings_dict
        )
        try:
            manifest = make_backup(dest, db=db, media_root=media_root or settings.MEDIA_ROOT)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"backup written to {dest}: {len(manifest['files'])} files")
