"""PDFs left in storage by an issue that rolled back: `issue_document` stores the file
before the transaction that numbers and records it commits, and a rollback (a flow step
refused after the notice was rendered, a crash) gives the number back but leaves the
file, which no `IssuedDocument` names and no page can reach. The daily sweep deletes
them once they are older than a day (`prune_unissued`); an issued document's file is
never touched.

Each file is checked and deleted under the lock an issue of its issuer and year holds
until it commits (the `DocumentCounter` row), so a file an issue is storing or reusing
at that moment (`services._store` reuses the same bytes under the same name) is either
already recorded when the sweep looks, or deleted before the issue stores it again."""

import datetime as dt
import logging
import re

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from audit.services import record_event
from notifications.models import DocumentCounter, IssuedDocument

log = logging.getLogger(__name__)

ROOT = "documents"
#: left alone for this long: an issue still running has just stored its file
GRACE = dt.timedelta(days=1)


def _listdir(path) -> tuple[list[str], list[str]]:
    """(folders, files) under `path`; none when there is no such folder (an object
    store has no folders, only names: its `exists` says False for them)."""
    try:
        return default_storage.listdir(path)
    except (FileNotFoundError, NotADirectoryError):
        return [], []


def stored_pdfs():
    """(issuer code, year, [name, …]) of the PDFs under each documents/<year>/<code>/
    named as an issue names them (`services.storage_name`); any other folder or file is
    none of the sweep's business."""
    code_max = DocumentCounter._meta.get_field("issuer_code").max_length
    years, _files = _listdir(ROOT)
    for year in sorted(y for y in years if y.isdigit() and 2000 <= int(y) <= 9999):
        codes, _files = _listdir(f"{ROOT}/{year}")
        for code in sorted(c for c in codes if 0 < len(c) <= code_max):
            issued_name = re.compile(rf"{re.escape(code)}-{year}-\d+-v\d+-[0-9a-f]{{16}}\.pdf")
            _dirs, files = _listdir(f"{ROOT}/{year}/{code}")
            names = [f"{ROOT}/{year}/{code}/{n}" for n in sorted(files) if issued_name.fullmatch(n)]
            if names:
                yield code, int(year), names


def prune_unissued(*, now: dt.datetime | None = None) -> list[str]:
    """Delete the stored PDFs no issued document names, older than `GRACE`; return their
    names. Each deletion is audited against its issuer's counter for the year. One query
    per issuer and year for the names issued (by the issuer and year index), and a check
    under the lock for each file left over."""
    cutoff = (now or timezone.now()) - GRACE
    pruned = []
    for code, year, names in stored_pdfs():
        documents = IssuedDocument.objects.filter(issuer_code=code, year=year)
        issued = set(documents.values_list("file", flat=True))
        for name in names:
            if name in issued or default_storage.get_modified_time(name) > cutoff:
                continue
            with transaction.atomic():
                # The issuing transaction's lock, a write first (on SQLite the database's,
                # taken while waiting, as `allocate_number` does); the counter of an
                # issuer's first document of a year that rolled back with it is made again.
                counters = DocumentCounter.objects.filter(issuer_code=code, year=year)
                if not counters.update(last_number=F("last_number")):
                    DocumentCounter.objects.get_or_create(issuer_code=code, year=year)
                    counters.update(last_number=F("last_number"))
                if documents.filter(file=name).exists():
                    continue  # issued meanwhile (the same bytes, reused)
                default_storage.delete(name)
                record_event(
                    actor=None, verb="document.prune_unissued", target=counters.get(), note=name
                )
            log.info("Deleted %s: stored by an issue that rolled back.", name)
            pruned.append(name)
    return pruned
