"""`manage.py import_org FILE --user USERNAME [--kind SLUG] [--commit]`: an organization
department's data from the command line, through the same services as the pages (the
user's rights, the checks, the all-or-nothing commit and its audit event), with a
progress bar. Without --commit the file is only checked. Without --kind the kind is the
template whose header row the file has (`engine.kind_of_file`). The user is required:
every import is audited as someone's."""

import os

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from imports import engine, selectors, services
from imports.kinds import registry
from imports.models import BatchStatus

FIRST_ERRORS = 20


class Command(BaseCommand):
    help = "Check (and with --commit, import) an .xlsx or .csv file of one import kind."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--kind", help="the import kind's slug (default: told by the file's header row)"
        )
        parser.add_argument("--user", required=True, help="the importing user's username")
        parser.add_argument("--commit", action="store_true", help="commit if no row has an error")

    def handle(self, *args, file, kind, user, commit, **options):
        kinds = registry.all()
        found = registry.get(kind) if kind else None
        if kind and found is None:
            raise CommandError(
                f"Unknown kind {kind!r}; one of: {', '.join(k.slug for k in kinds) or '(none)'}"
            )
        actor = get_user_model().objects.filter(username=user, is_active=True).first()
        if actor is None:
            raise CommandError(f"No active user {user!r}.")
        if not os.path.isfile(file):
            raise CommandError(f"No file {file!r}.")
        if found is None:
            try:
                with open(file, "rb") as stream:
                    found = engine.kind_of_file(stream, os.path.basename(file), kinds)
            except ValidationError as exc:
                raise CommandError("；".join(exc.messages)) from None
            kind = found.slug
            self.stdout.write(f"kind: {found.slug} ({found.label})")
        quiet = options.get("verbosity", 1) == 0
        try:
            with open(file, "rb") as stream:
                batch = services.batch_upload(
                    actor=actor,
                    kind=found,
                    upload=File(stream, name=os.path.basename(file)),
                    name=os.path.basename(file),
                    start=False,
                )
            with tqdm(desc="检查", unit="行", disable=quiet, file=self.stderr) as bar:
                batch = engine.batch_check(batch, also=bar.update)
        except PermissionDenied:
            raise CommandError(f"{user} may not import {kind}.") from None
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None
        if batch.status == BatchStatus.REFUSED:
            raise CommandError(f"batch {batch.pk} refused: {batch.refusal}")
        self._counts(batch)
        if batch.rows_error:
            self._errors(batch)
            raise CommandError(
                f"batch {batch.pk}: {batch.rows_error} rows have errors; nothing imported."
            )
        if not commit:
            self.stdout.write(f"batch {batch.pk}: checked; run again with --commit to import.")
            return
        try:
            with tqdm(
                total=batch.rows_total, desc="导入", unit="行", disable=quiet, file=self.stderr
            ) as bar:
                batch = engine.batch_commit(actor=actor, batch=batch, also=bar.update)
        except ValidationError as exc:
            batch.refresh_from_db()
            self._errors(batch)
            raise CommandError(
                f"batch {batch.pk} not committed: {'；'.join(exc.messages)}"
            ) from None
        self.stdout.write(self.style.SUCCESS(f"batch {batch.pk}: committed."))
        self._counts(batch)

    def _counts(self, batch):
        c = selectors.batch_counts(batch)
        self.stdout.write(
            f"rows {c['rows']}: create {c['create']}, update {c['update']}, "
            f"unchanged {c['unchanged']}, errors {c['errors']}"
        )

    def _errors(self, batch):
        for row in selectors.batch_rows(batch, errors_only=True)[:FIRST_ERRORS]:
            self.stderr.write(f"line {row.line} {row.key}: {'；'.join(row.errors)}")
