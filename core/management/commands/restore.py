"""`manage.py restore SRC`: verify a backup's manifest, then restore database and files."""

import environ
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from core.backups import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Restore a backup made by `backup`: check every file against manifest.json (a "
        "tampered backup is refused), then restore the database and the files under "
        "MEDIA_ROOT. The target database must be empty unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("src", help="a backup directory or .tar.gz")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)
        parser.add_argument(
            "--database-url", help="restore into this database instead of the configured one"
        )
        parser.add_argument("--media-root", help="where the files go (default: MEDIA_ROOT)")
        parser.add_argument(
            "--force",
            action="store_true",
            help="overwrite a database that has tables, and stored files that differ",
        )

    def handle(self, *args, src, database, database_url, media_root, force, **options):
        if database_url:
            db = environ.Env.db_url_config(database_url)
        else:
            db = connections[database].settings_dict
            connections[database].close()  # the restore writes through its own connection
        try:
            manifest = restore_backup(
                src, db=db, media_root=media_root or settings.MEDIA_ROOT, force=force
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"restored {src} (made {manifest['created_at']}): {len(manifest['files'])} files"
        )
