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
_PDF = re.compile(r".+\.pdf")


def stored_pdfs():
    """(issuer code, year, name) of every PDF under documents/<year>/<issuer code>/."""
    if not default_storage.exists(ROOT):
        return
    years, _files = default_storage.listdir(ROOT)
    for year in sorted(y for y in years if y.isdigit()):
        codes, _files = default_storage.listdir(f"{ROOT}/{year}")
        for code in sorted(codes):
            _dirs, files = default_storage.listdir(f"{ROOT}/{year}/{code}")
            for name in sorted(f for f in files if _PDF.fullmatch(f)):
                yield code, int(year), f"{ROOT}/{year}/{code}/{name}"


def prune_unissued(*, now: dt.datetime | None = None) -> list[str]:
    """Delete the stored PDFs no issued document names, older than `GRACE`; return their
    names. Each deletion is audited against its issuer's counter for the year."""
    cutoff = (now or timezone.now()) - GRACE
    pruned = []
    for code, year, name in stored_pdfs():
        if IssuedDocument.objects.filter(file=name).exists():
            continue
        if default_storage.get_modified_time(name) > cutoff:
            continue
        with transaction.atomic():
            counters = DocumentCounter.objects.filter(issuer_code=code, year=year)
            # The issuing transaction's lock (a write: on SQLite the database's).
            if not counters.update(last_number=F("last_number")):
                continue  # no document of this issuer and year was ever numbered here
            if IssuedDocument.objects.filter(file=name).exists():
                continue  # issued meanwhile (the same bytes, reused)
            default_storage.delete(name)
            record_event(
                actor=None, verb="document.prune_unissued", target=counters.get(), note=name
            )
        log.info("Deleted %s: stored by an issue that rolled back.", name)
        pruned.append(name)
    return pruned
