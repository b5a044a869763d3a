"""Document numbers are handed out when a document is issued: per issuer code and year,
strictly sequential, no gaps, no duplicates. Issued PDFs are stored with their SHA-256
and never overwritten or deleted."""

import datetime as dt
import hashlib
import io
import threading

import pypdf
import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, connections

from audit.models import AuditEvent
from notifications import services
from notifications.documents import builders
from notifications.documents.context import DocumentContext, Issuer, Paragraph
from notifications.documents.render import RenderedPdf, format_document_number
from notifications.models import DocumentCounter, DocumentKind, ImmutableError, IssuedDocument
from notifications.tasks import issue_document_task

ISSUER = Issuer(name="中共某市委组织部", code="X组通")


pytestmark = pytest.mark.usefixtures("media")


@pytest.fixture
def fast_render(monkeypatch):
    """Most tests here are about numbers, not layout: render a tiny stand-in PDF."""

    def fake(context, *, document_number, preview=False):
        return RenderedPdf(data=f"%PDF-1.7 {document_number} {context.title}".encode(), pages=1)

    monkeypatch.setattr(services, "render_pdf", fake)


def _context(title="关于举办培训班的通知", issuer=ISSUER, year=2026):
    return DocumentContext(
        issuer=issuer, title=title, date=dt.date(year, 3, 5), body=[Paragraph("正文。")]
    )


def _issue(actor=None, **kwargs):
    kwargs.setdefault("kind", DocumentKind.DISPATCH_NOTICE)
    kwargs.setdefault("context", _context())
    return services.issue_document(actor=actor, **kwargs)


def test_document_numbers_have_the_year_in_brackets_and_no_leading_zeros():
    assert format_document_number("X组通", 2026, 12) == "X组通〔2026〕12号"
    assert format_document_number("X组通", 2026, 1) == "X组通〔2026〕1号"
    with pytest.raises(ValueError):
        format_document_number("X组通", 2026, 0)


@pytest.mark.django_db
def test_numbers_run_1_2_3_per_issuer_and_year(fast_render):
    first, second = _issue(), _issue()
    other_issuer = _issue(context=_context(issuer=Issuer(name="中共某县委组织部", code="县组通")))
    last_year = _issue(context=_context(year=2025))
    assert (first.number, second.number) == (1, 2)
    assert first.document_number == "X组通〔2026〕1号"
    assert second.document_number == "X组通〔2026〕2号"
    assert other_issuer.document_number == "县组通〔2026〕1号"
    assert last_year.document_number == "X组通〔2025〕1号"


@pytest.mark.django_db
def test_a_failed_issue_gives_its_number_back(fast_render, monkeypatch):
    _issue()

    def broken(*args, **kwargs):
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(services, "render_pdf", broken)
    with pytest.raises(RuntimeError):
        _issue()
    assert DocumentCounter.objects.get(issuer_code="X组通", year=2026).last_number == 1
    monkeypatch.undo()
    monkeypatch.setattr(services, "render_pdf", lambda c, **k: RenderedPdf(b"%PDF x", 1))
    assert _issue().number == 2


@pytest.mark.django_db
def test_issuing_stores_the_pdf_with_its_sha256_and_audits(world):
    document = _issue(
        actor=world.bob,
        kind=DocumentKind.ADMISSION_NOTICE,
        subject=world.cadre_a,
        context=builders.admission_notice(
            issuer=ISSUER,
            training_class=builders.ClassInfo(
                name="处级干部进修班",
                start_date=dt.date(2026, 3, 16),
                end_date=dt.date(2026, 3, 20),
                report_date=dt.date(2026, 3, 15),
                location="市委党校",
            ),
            trainee={"name": world.cadre_a.name, "unit": world.a.name, "position": "科员"},
            date=dt.date(2026, 3, 5),
        ),
    )
    data = default_storage.open(document.file.name, "rb").read()
    assert data.startswith(b"%PDF")
    assert hashlib.sha256(data).hexdigest() == document.sha256
    assert document.size == len(data)
    assert document.pages == len(pypdf.PdfReader(io.BytesIO(data)).pages)
    assert "X组通-2026-1-v1-" in document.file.name
    assert document.subject == world.cadre_a
    assert document.issued_by == world.bob
    assert services.verify_document(document)
    event = AuditEvent.objects.get(verb="document.issue")
    assert event.actor == world.bob and event.target_id == str(document.pk)
    assert event.after["document_number"] == "X组通〔2026〕1号"


@pytest.mark.django_db
def test_reissuing_creates_a_new_version_pointing_to_the_old_one(fast_render):
    original = _issue()
    corrected = _issue(context=_context("关于举办培训班的通知（更正）"), supersedes=original)
    assert corrected.supersedes == original
    assert corrected.version == 2
    assert corrected.number == 2  # a new number; the old document stays as it was
    assert original.superseded_by.get() == corrected
    assert AuditEvent.objects.filter(verb="document.reissue").count() == 1
    with pytest.raises(ValidationError):
        _issue(supersedes=original)  # superseded once already
    with pytest.raises(ValidationError):
        _issue(kind=DocumentKind.CIRCULAR, supersedes=corrected)
    assert DocumentCounter.objects.get(issuer_code="X组通").last_number == 2


@pytest.mark.django_db
def test_issued_documents_are_never_changed_or_deleted(fast_render):
    document = _issue()
    document.title = "改"
    with pytest.raises(ImmutableError):
        document.save()
    with pytest.raises(ImmutableError):
        document.delete()
    with pytest.raises(ImmutableError):
        IssuedDocument.objects.update(title="改")
    with pytest.raises(ImmutableError):
        IssuedDocument.objects.all().delete()


@pytest.mark.django_db
def test_a_stored_file_is_never_overwritten(fast_render, monkeypatch):
    monkeypatch.setattr(services, "storage_name", lambda *args: "documents/taken.pdf")
    default_storage.save("documents/taken.pdf", ContentFile(b"somebody else's PDF"))
    with pytest.raises(ImmutableError):
        _issue()
    assert default_storage.open("documents/taken.pdf").read() == b"somebody else's PDF"
    assert not IssuedDocument.objects.exists()
    assert not DocumentCounter.objects.filter(last_number__gt=0).exists()


@pytest.mark.django_db
def test_drafts_and_previews_take_no_number(tmp_path):
    from django.core.management import call_command

    call_command("sample_documents", str(tmp_path / "out"), "--builtin", stdout=io.StringIO())
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "admission_notice.pdf",
        "circular.pdf",
        "dispatch_notice.pdf",
        "dispatch_plan.pdf",
        "makeup_notice.pdf",
    ]
    assert not DocumentCounter.objects.exists() and not IssuedDocument.objects.exists()


@pytest.mark.django_db
def test_bulk_issue_task_runs_eagerly(fast_render, world):
    ids = [
        issue_document_task.delay(
            "admission_notice",
            _admission_data(name),
            actor_id=world.bob.pk,
            subject=("org", "cadre", world.cadre_a.pk),
        ).get()
        for name in ("王堃", "李玥", "张喆")
    ]
    numbers = list(IssuedDocument.objects.filter(pk__in=ids).values_list("number", flat=True))
    assert sorted(numbers) == [1, 2, 3]
    assert all(d.subject == world.cadre_a for d in IssuedDocument.objects.all())


def _admission_data(name: str) -> dict:
    return {
        "issuer": {"name": ISSUER.name, "code": ISSUER.code},
        "training_class": {
            "name": "处级干部进修班",
            "start_date": dt.date(2026, 3, 16),
            "end_date": dt.date(2026, 3, 20),
            "report_date": dt.date(2026, 3, 15),
            "location": "市委党校",
        },
        "trainee": {"name": name, "unit": "某单位", "position": "科员"},
        "date": dt.date(2026, 3, 5),
    }


@pytest.mark.django_db
def test_the_issue_task_tries_again_when_the_database_is_locked(fast_render, monkeypatch):
    from django.db import OperationalError

    from notifications import tasks

    calls = []
    issue = tasks.issue_document

    def locked_twice(**kwargs):
        calls.append(kwargs["kind"])
        if len(calls) <= 2:
            raise OperationalError("database is locked")
        return issue(**kwargs)

    monkeypatch.setattr(tasks, "issue_document", locked_twice)
    # As in a worker (a broker is set); apply() runs the retries here, one after the other.
    conf = issue_document_task.app.conf
    saved = {"task_always_eager": True, "task_eager_propagates": True}
    assert {key: conf[key] for key in saved} == saved
    conf.update(task_always_eager=False, task_eager_propagates=False)
    data = ("admission_notice", _admission_data("王堃"))
    try:
        pk = issue_document_task.apply(data).get()
    finally:
        conf.update(saved)
    assert len(calls) == 3
    assert IssuedDocument.objects.get(pk=pk).number == 1
    # Issued eagerly, the caller gets the lock error at once (a page says 请稍后重试).
    calls.clear()
    with pytest.raises(OperationalError):
        issue_document_task.apply(data).get()
    assert len(calls) == 1


@pytest.mark.django_db
def test_the_issue_task_does_not_retry_other_errors(monkeypatch):
    from notifications import tasks

    calls = []

    def broken(**kwargs):
        calls.append(1)
        raise ValueError("a bug, not a lock")

    monkeypatch.setattr(tasks, "issue_document", broken)
    with pytest.raises(ValueError):
        issue_document_task.apply(("admission_notice", _admission_data("王堃"))).get()
    assert calls == [1]


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Concurrent numbering needs row locks: PostgreSQL leg only (SQLite serialises "
    "all writers anyway).",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_issuing_numbers_without_gaps_or_duplicates(fast_render, monkeypatch):
    import time

    slow = services.render_pdf

    def slow_render(context, **kwargs):  # widen the window between number and commit
        time.sleep(0.02)
        return slow(context, **kwargs)

    monkeypatch.setattr(services, "render_pdf", slow_render)
    threads, per_thread = 8, 5
    errors, barrier = [], threading.Barrier(threads)

    def work():
        try:
            barrier.wait()
            for _ in range(per_thread):
                _issue()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    pool = [threading.Thread(target=work) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(60)
    assert not errors
    numbers = sorted(IssuedDocument.objects.values_list("number", flat=True))
    assert numbers == list(range(1, threads * per_thread + 1))
    assert DocumentCounter.objects.get().last_number == threads * per_thread
