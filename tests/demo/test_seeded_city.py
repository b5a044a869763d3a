"""The seeded demo city, read: its logins are confined to their jurisdiction and carry
names, it shows a dispatch at every resting stage, and its documents agree with their
classes, their dates and each other. Seeding costs about 10 s of CPU, so the city is
seeded once for this module inside one transaction that is rolled back at its end (each
test runs in a savepoint within it, as usual), its documents stored in a folder of its
own."""

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from org import selectors
from org.models import Cadre


@pytest.fixture(scope="module")
def demo_city(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with override_settings(DEBUG=True):
                call_command("seed_demo", verbosity=0)
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def test_demo_logins_are_confined_to_their_jurisdiction(demo_city, db):
    User = get_user_model()
    county = User.objects.get(username="qs.dispatcher")
    reach = selectors.cadres_in_reach(county)
    assert reach.exists()
    # Outside the county: only the city cadres the county co-manages.
    assert (
        not reach.exclude(unit__code__startswith="qs")
        .exclude(co_managing_org_department__issuer_code="青组通")
        .exists()
    )
    assert (
        not selectors.cadres_in_reach(county, "issue_dispatch")
        .exclude(unit__code__startswith="qs")
        .exists()
    )
    head = User.objects.get(username="xx-fgw.head")
    assert set(selectors.cadres_in_reach(head).values_list("unit__code", flat=True)) == {"xx-fgw"}


def test_the_county_reads_the_city_cadres_it_co_manages(demo_city, db):
    """xx-ct's first cadres are co-managed by 青山县 (dual management across
    jurisdictions): qs.orghead reads them and no other city cadre; a unit head of the
    county does not."""
    User = get_user_model()
    co_managed = set(
        Cadre.objects.filter(
            unit__code="xx-ct", co_managing_org_department__issuer_code="青组通"
        ).values_list("pk", flat=True)
    )
    assert co_managed
    orghead = selectors.cadres_in_reach(User.objects.get(username="qs.orghead"))
    city = set(orghead.exclude(unit__code__startswith="qs").values_list("pk", flat=True))
    assert city == co_managed
    head = selectors.cadres_in_reach(User.objects.get(username="qs-gaj.head"))
    assert not head.filter(pk__in=co_managed).exists()


def test_the_demo_shows_a_dispatch_at_every_resting_stage(demo_city, db):
    from approvals.models import ApprovalRequest
    from dispatch.models import Dispatch, DispatchStatus, Filing, Makeup, QuotaAllocation

    statuses = set(Dispatch.objects.values_list("status", flat=True))
    # "confirmed" is transient: the notice goes out in the same step.
    assert set(DispatchStatus.values) - {DispatchStatus.CONFIRMED} <= statuses
    assert set(QuotaAllocation.objects.values_list("status", flat=True)) >= {
        "awaiting_head",
        "awaiting_nomination",
        "accepted",
    }
    assert set(Filing.objects.values_list("status", flat=True)) == {
        "submitted",
        "returned",
        "accepted",
    }
    assert Makeup.objects.count() >= 3
    assert ApprovalRequest.objects.filter(status="pending").exists()


def test_demo_logins_carry_peoples_names(demo_city, db):
    User = get_user_model()
    for username in ["xx.dispatcher", "xx-fgw.liaison", "xx-dx.registrar", "xx.auditor"]:
        name = User.objects.get(username=username).get_full_name()
        assert 2 <= len(name) <= 4, (username, name)
        assert not re.search(r"[A-Za-z.]", name)
        for role_word in ["联络员", "专员", "教务", "审计员"]:
            assert role_word not in name


def _import(actor, path, slug):
    """Check and commit one sample file as `actor`, through the import services; the
    committed batch (or the checked one, when a row has an error)."""
    from django.core.files import File

    from imports import services
    from imports.kinds import registry

    kind = registry.get(slug)
    with open(path, "rb") as stream:
        batch = services.batch_upload(
            actor=actor, kind=kind, upload=File(stream, name=path.name), name=path.name, start=False
        )
    batch = services.batch_check(batch)
    assert batch.status == "previewed", (path.name, batch.refusal)
    errors = list(batch.rows.filter(action="error").values_list("line", "errors"))
    assert not errors, (path.name, errors)
    counts = (batch.rows_create, batch.rows_update, batch.rows_unchanged)
    if batch.rows_create or batch.rows_update:
        batch = services.batch_commit(actor=actor, batch=batch)
        assert batch.status == "committed"
    return batch, counts


def test_the_sample_files_import_cleanly_into_the_demo_city_and_again_unchanged(
    demo_city, db, media, tmp_path
):
    """The committed samples are what `manage.py demo_samples` writes, and xx.dispatcher
    imports them in order (README's walk-through): every row is created, the GB18030 CSV
    of the same cadres then leaves them unchanged, and a second import changes nothing."""
    from pathlib import Path

    from demo.management.commands import demo_samples
    from dispatch.models import TrainingClass
    from imports.kinds import registry
    from org.models import OrgDepartment, Unit
    from org.selectors import units_in_reach

    samples = Path(demo_samples.DEFAULT_DIR)
    call_command("demo_samples", str(tmp_path / "fresh"), year=2027, verbosity=0)
    for name in demo_samples.KINDS:
        fresh, committed = tmp_path / "fresh" / name, samples / name
        if name.endswith(".csv"):
            assert fresh.read_bytes() == committed.read_bytes(), name
        else:  # the rows read back (zlib may pack the same sheet differently elsewhere)
            assert _sheet(fresh) == _sheet(committed), name

    actor = get_user_model().objects.get(username="xx.dispatcher")
    expected = {
        "01-units.xlsx": (6, 0, 0),
        "02-org-departments.xlsx": (1, 0, 0),
        "03-cadres.xlsx": (20, 0, 0),
        "03-cadres-gb18030.csv": (0, 0, 20),
        "04-institutions.xlsx": (1, 0, 0),
        "05-classes.xlsx": (3, 0, 0),
        "06-accounts.xlsx": (4, 0, 0),
    }
    for name, slug in demo_samples.KINDS.items():
        batch, counts = _import(actor, samples / name, slug)
        assert counts == expected[name], name
        if slug == "accounts":  # the activation codes to print, one per new account
            assert len(registry.get(slug).result_rows(actor, batch)) == 4
    # The high-tech zone: its organization department, and a dispatcher there.
    zone = OrgDepartment.objects.get(unit__code="xx-gxq-zzb")
    assert zone.jurisdiction.code == "xx-gxq" and zone.issuer_code == "高组通"
    dispatcher = get_user_model().objects.get(username="xx-gxq.dispatcher")
    assert {u.code for u in units_in_reach(dispatcher, "issue_dispatch")} == {
        "xx-gxq",
        "xx-gxq-zzb",
        "xx-gxq-gwh",
    }
    assert Unit.objects.get(code="xx-tjj-pcz").parent.code == "xx-tjj"
    assert Cadre.objects.filter(unit__code__in=["xx-tjj", "xx-tjj-pcz", "xx-sjj"]).count() == 20
    trainee = Cadre.objects.get(id_number=demo_samples.id_number(demo_samples.TRAINEE))
    assert trainee.user.username == "xx-tjj.trainee1" and trainee.is_young_cadre
    assert TrainingClass.objects.filter(name__startswith="2027年", institution__unit__code="xx-dx")
    assert TrainingClass.objects.filter(name__startswith="2027年").count() == 3
    centre = Unit.objects.get(code="xx-tjj-pxzx")
    assert centre.parent.code == "xx-tjj" and centre.institution.kind == "university_base"
    assert TrainingClass.objects.get(institution__unit=centre).kind == "thematic"

    for name, slug in demo_samples.KINDS.items():
        _batch, counts = _import(actor, samples / name, slug)
        assert counts == (0, 0, expected[name][0] + expected[name][2]), name


def _sheet(path):
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    try:
        return [list(sheet.values) for sheet in book.worksheets]
    finally:
        book.close()


# -- the documents -----------------------------------------------------------------------

DATE = r"(\d{4})年(\d{1,2})月(\d{1,2})日"


def _date(match) -> dt.date:
    return dt.date(*(int(part) for part in match))


@pytest.fixture
def documents(demo_city, db):
    """Every document the seed issued, read back: (document, its text without the page
    numbers, the class it is about, or None)."""
    from dispatch.models import Dispatch, RollCall
    from notifications.models import IssuedDocument
    from tests.circulars.kit import pdf_text

    result = []
    for document in IssuedDocument.objects.order_by("issuer_code", "year", "number"):
        subject = document.subject
        klass = subject.training_class if isinstance(subject, Dispatch | RollCall) else None
        text = re.sub(r"— \d+ —", "", pdf_text(document))
        result.append((document, text, klass))
    kinds = {document.kind for document, _text, _klass in result}
    assert {"dispatch_notice", "admission_notice"} <= kinds
    return result


def _issued_on(text) -> dt.date:
    """The date the document was issued, as its 版记 prints it (…年…月…日印发)."""
    dates = re.findall(DATE + "印发", text)
    assert len(dates) == 1, text[-200:]
    return _date(dates[0])


def test_each_notice_prints_its_classs_dates_and_is_issued_before_it_began(documents):
    """The 调训通知 and 入学通知 of every class — those over or under way too — print
    the class's own dates, and are dated (and were issued) no later than its first day."""
    from django.utils import timezone

    notices = [
        (d, t, k) for d, t, k in documents if d.kind in ("dispatch_notice", "admission_notice")
    ]
    assert any(k.start_date < timezone.localdate() for _d, _t, k in notices)
    for document, text, klass in notices:
        assert document.document_number in text
        span = re.search(DATE + "至" + DATE + "（共", text)
        assert span, (document.document_number, text[:400])
        printed = (_date(span.groups()[:3]), _date(span.groups()[3:]))
        assert printed == (klass.start_date, klass.end_date), document.document_number
        assert _issued_on(text) <= klass.start_date, document.document_number
        assert timezone.localdate(document.issued_at) == _issued_on(text), document.document_number


def test_each_issuers_numbers_follow_the_days_its_documents_were_issued(documents):
    """Within each issuer's year, a later number was never issued on an earlier day (the
    notices of the classes that have begun come first, as they were issued first)."""
    by_issuer = {}
    for document, text, _klass in documents:
        by_issuer.setdefault((document.issuer_code, document.year), []).append(
            (document.number, _issued_on(text), document.issued_at)
        )
    assert any(len({day for _n, day, _at in rows}) > 2 for rows in by_issuer.values())
    for issuer, rows in by_issuer.items():
        rows.sort()
        days = [day for _number, day, _at in rows]
        assert days == sorted(days), (issuer, days)
        moments = [at for _number, _day, at in rows]
        assert moments == sorted(moments), issuer


def test_no_dispatch_of_a_class_that_has_begun_was_due_after_it_began(demo_city, db):
    """Confirmation and acknowledgement fell due before the class began, as they did
    when those dispatches were issued: none is due after a class that is over ended."""
    from django.utils import timezone

    from dispatch.models import Dispatch

    begun = Dispatch.objects.filter(
        training_class__start_date__lte=timezone.localdate()
    ).select_related("training_class")
    assert begun.filter(training_class__end_date__lt=timezone.localdate()).exists()
    for dispatch in begun:
        klass = dispatch.training_class
        for due in (dispatch.confirm_due, dispatch.acknowledge_due):
            if due is not None:
                assert timezone.localdate(due) <= klass.start_date, (dispatch.pk, due)


def test_the_demos_deadlines_fall_at_the_close_of_business(demo_city, db):
    """Roll calls, the survey and the plan's consultation are due at 18:00 — the
    调训通知 prints 2026年12月14日18时, not the minute the seed ran."""
    from django.utils import timezone

    from dispatch.models import RollCall
    from planning.models import Plan
    from surveys.models import Survey

    deadlines = [
        *RollCall.objects.values_list("response_deadline", flat=True),
        *Survey.objects.values_list("deadline", flat=True),
        *Plan.objects.exclude(consultation_deadline=None).values_list(
            "consultation_deadline", flat=True
        ),
    ]
    assert len(deadlines) > 5
    for deadline in deadlines:
        local = timezone.localtime(deadline)
        assert (local.hour, local.minute, local.second) == (18, 0, 0), local


def test_the_circulars_text_tells_the_figures_of_its_period(demo_city, db):
    """The drafted circular counts what the seeded city holds for its period — the
    dispatches to the classes that began in it included — and its text says so."""
    from circulars.documents import generated_text
    from circulars.models import Circular
    from circulars.services import counted_figures

    circular = Circular.objects.get()
    counted = counted_figures(
        org_department=circular.org_department,
        start=circular.period_start,
        end=circular.period_end,
    )
    assert circular.figures == counted
    circular.figures = counted
    assert generated_text(circular) in circular.body
    totals = counted["totals"]
    if totals["named"]:
        assert f"共点名调训干部{totals['named']}人次" in circular.body
        assert "未组织干部调训" not in circular.body


def test_the_demos_documents_are_sealed_with_the_placeholder_seal(documents):
    """Every organization department of the demo has the placeholder seal (marked 样章,
    nobody's), and each document it issued is pressed with it — once, over the
    signature and the date."""
    import pdfplumber

    from org.models import OrgDepartment

    assert not OrgDepartment.objects.filter(seal="").exists()
    for document, _text, _klass in documents:
        with document.file.open("rb") as handle, pdfplumber.open(handle) as pdf:
            sealed = [
                (page, ring)
                for page in pdf.pages
                for ring in page.curves
                if ring["width"] > 100 and abs(ring["width"] - ring["height"]) < 2
            ]
            assert len(sealed) == 1, (document.document_number, len(sealed))
            page, ring = sealed[0]
            under = page.within_bbox((ring["x0"], ring["top"], ring["x1"], ring["bottom"]))
            assert re.search(DATE, (under.extract_text() or "").replace("\n", "")), (
                document.document_number
            )


def test_the_previews_from_the_demo_agree_with_their_date(demo_city, db):
    """`manage.py sample_documents` on the demo: the 调训通知 is about a class still to
    come, and the circular reports the quarter before its date, each absentee owing a
    makeup (应补训 = 缺训)."""
    from notifications.documents import circular as circular_document
    from notifications.documents.samples import sample_contexts

    contexts = sample_contexts()
    notice = contexts["dispatch_notice"]
    span = re.search(DATE + "至", circular_document.body_text(notice.body))
    assert _date(span.groups()) > notice.date
    text = circular_document.body_text(contexts["circular"].body)
    today = contexts["circular"].date
    quarter = (today.month - 1) // 3 or 4
    year = today.year if quarter != 4 or today.month > 3 else today.year - 1
    assert f"{year}年第{'一二三四'[quarter - 1]}季度" in contexts["circular"].title
    absent = re.search(r"未经批准缺训(\d+)人次", text).group(1)
    assert f"应补训{absent}人次" in text


def test_the_readmes_walk_to_attendance_lists_the_registrars_tasks(demo_city, db):
    """The README's shortcut ("When you reach attendance …") run as written: the class
    moved through its service and the timers fired, its attendance is in the registrar's
    我的待办."""
    import io
    from pathlib import Path

    from django.test import Client

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    shortcut = re.search(
        r'```sh\n\.venv/bin/python manage\.py shell -v0 -c "(.+?)"\n'
        r"\.venv/bin/python manage\.py workflow_timers\n```",
        readme,
    )
    assert shortcut is not None
    client = Client()
    client.force_login(get_user_model().objects.get(username="xx-dx.registrar"))

    def attendance_tasks():
        return client.get("/tasks/").content.decode().count("培训机构登记考勤")

    before = attendance_tasks()
    exec(shortcut.group(1), {})  # noqa: S102 - the README's own line
    call_command("workflow_timers", stdout=io.StringIO())
    assert attendance_tasks() > before


def test_the_countys_plan_is_shown_beside_its_own_needs_survey(demo_city, db):
    """As the README says: 青山县's 2027 plan page holds its survey's comparison (10 of its
    11 units approved), and the county's survey is no other department's to read."""
    from django.test import Client

    from planning.models import Plan

    plan = Plan.objects.get(org_department__jurisdiction__code="qs")
    client = Client()
    client.force_login(get_user_model().objects.get(username="qs.dispatcher"))
    page = re.sub(r"<[^>]+>|\s+", "", client.get(f"/plans/{plan.pk}/").content.decode())
    assert "需求调研与计划对照" in page
    assert "共11个单位，10个单位的答复已审批" in page, page[page.find("需求调研与计划对照") :][:300]
    client.force_login(get_user_model().objects.get(username="lh.dispatcher"))
    assert "青山县" not in client.get("/surveys/").content.decode()
