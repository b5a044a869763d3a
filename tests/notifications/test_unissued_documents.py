"""A PDF stored by an issue whose transaction then rolled back is named by no issued
document: the daily sweep deletes it once it is a day old, audited; an issued
document's file is never touched — nor one a later issue reuses (the same number and
bytes), even while that issue is still running."""

import datetime as dt
import os

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from audit.models import AuditEvent
from notifications import services, unissued
from notifications.documents.context import DocumentContext, Issuer, Paragraph
from notifications.documents.render import RenderedPdf
from notifications.models import DocumentKind
from tests.racing import held, postgresql_only

pytestmark = pytest.mark.usefixtures("media")

A_DAY_ON = dt.timedelta(days=1, hours=1)


@pytest.fixture(autouse=True)
def fast_render(monkeypatch):
    def fake(context, *, document_number, preview=False):
        return RenderedPdf(data=f"%PDF-1.7 {document_number} {context.title}".encode(), pages=1)

    monkeypatch.setattr(services, "render_pdf", fake)


class Refused(Exception):
    """The flow step that issued the document failed after it."""


def issue(title="关于举办培训班的通知"):
    context = DocumentContext(
        issuer=Issuer(name="中共某市委组织部", code="X组通"),
        title=title,
        date=dt.date(2026, 3, 5),
        body=[Paragraph("正文。")],
    )
    return services.issue_document(actor=None, kind=DocumentKind.DISPATCH_NOTICE, context=context)


def stored() -> set[str]:
    return {name for _code, _year, names in unissued.stored_pdfs() for name in names}


def rolled_back(title) -> str:
    """Issue inside a transaction that then rolls back; the file it left."""
    before = stored()
    with pytest.raises(Refused), transaction.atomic():
        issue(title)
        raise Refused
    [left] = stored() - before
    # Written as of the test's clock: the file system keeps the real time, which a
    # travelled clock (pytest --clock) would make a day old or not yet written.
    written = timezone.now().timestamp()
    os.utime(default_storage.path(left), times=(written, written))
    return left


@pytest.mark.django_db
def test_a_file_left_by_a_rolled_back_issue_is_deleted_a_day_on():
    kept = issue()
    left = rolled_back("关于调整培训班的通知")
    assert default_storage.exists(left)

    assert unissued.prune_unissued() == []  # too fresh: an issue may still be running
    assert unissued.prune_unissued(now=timezone.now() + A_DAY_ON) == [left]
    assert not default_storage.exists(left)
    assert default_storage.exists(kept.file.name)
    event = AuditEvent.objects.get(verb="document.prune_unissued")
    assert event.note == left and event.target_repr
    assert issue().number == 2  # the rolled-back number, given back
    assert unissued.prune_unissued(now=timezone.now() + A_DAY_ON) == []  # nothing more


@pytest.mark.django_db
def test_the_file_of_an_issuers_first_document_of_the_year_that_rolled_back_goes_too():
    """Its counter rolled back with it: the sweep makes it again to take its lock."""
    left = rolled_back("关于举办培训班的通知")
    assert unissued.prune_unissued(now=timezone.now() + A_DAY_ON) == [left]
    assert not default_storage.exists(left)
    assert issue().number == 1


@pytest.mark.django_db
def test_nothing_stored_yet_is_nothing_to_sweep():
    assert list(unissued.stored_pdfs()) == []
    assert unissued.prune_unissued(now=timezone.now() + A_DAY_ON) == []


@pytest.mark.django_db
def test_a_file_a_later_issue_reused_is_kept(capsys):
    left = rolled_back("关于举办培训班的通知")
    document = issue("关于举办培训班的通知")  # the same number and bytes: the file reused
    assert document.file.name == left
    call_command("prune_unissued_documents")
    assert "0 deleted" in capsys.readouterr().out
    assert unissued.prune_unissued(now=timezone.now() + A_DAY_ON) == []
    assert default_storage.exists(left)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_the_sweep_waits_for_an_issue_reusing_the_file():
    """The issue reuses the old file and has not committed when the sweep looks: the
    sweep waits on the issue's lock, then finds the file recorded and keeps it."""
    issue("关于举办研讨班的通知")  # the issuer's counter for the year exists
    left = rolled_back("关于举办培训班的通知")
    with held(lambda: issue("关于举办培训班的通知")) as outcome:  # still running
        pruned = unissued.prune_unissued(now=timezone.now() + A_DAY_ON)
    assert outcome["result"].file.name == left
    assert pruned == []
    assert default_storage.exists(left)


@pytest.mark.django_db
def test_files_an_issue_would_not_name_are_left_alone():
    from django.core.files.base import ContentFile

    issue()  # the issuer's counter for 2026 exists
    strays = [
        "documents/2026/X组通/说明.pdf",
        "documents/2026/X组通/X组通-2026-9-v1-notahash.pdf",
        "documents/2026/a-folder-name-longer-than-sixteen/X.pdf",
        "documents/1999/X组通/X组通-1999-1-v1-0123456789abcdef.pdf",
        "documents/tmp/X组通-2026-1-v1-0123456789abcdef.pdf",
    ]
    for name in strays:
        default_storage.save(name, ContentFile(b"%PDF-1.7"))
    assert unissued.prune_unissued(now=timezone.now() + A_DAY_ON) == []
    assert all(default_storage.exists(name) for name in strays)
