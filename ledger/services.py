"""The hours ledger: rule revisions, online-platform imports, hour recognition."""

import datetime as dt
import hashlib
from decimal import Decimal, InvalidOperation

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import change, record_event, record_events, snapshot
from core import spreadsheets
from core.formatting import format_date, format_hours
from core.versioning import VersionedRule
from ledger import standings
from ledger.compliance import ROLLING_YEARS, cycle_for
from ledger.models import (
    HourImport,
    HourImportRow,
    HourKind,
    HourRecord,
    HourSource,
    HourStatus,
    IndicatorRule,
)
from ledger.recognition import (
    already_credited,
    recognition_already_credited,
    recognition_key,
)
from ledger.recognition import recognition_refusal as recognition_refusal  # re-exported
from org import idnumber, selectors
from org.locks import lock_cadres
from org.models import Cadre
from org.policy import require_any

MAX_ONLINE_HOURS_PER_ROW = Decimal("24")
MAX_ONLINE_HOURS_PER_DAY = Decimal("24")
# The ledger keeps hours to one decimal place (HourRecord.hours); finer input would be
# rounded silently, so it is refused.
HOURS_STEP = Decimal("0.1")


@transaction.atomic
def rule_revise(*, actor, rule: VersionedRule, effective_from: dt.date, **fields) -> VersionedRule:
    """A new version of `rule` (an indicator, training-cycle or teaching rule) in force from
    `effective_from`; the old one ends the day before, and whatever was judged under it
    keeps naming it. Rules are the administrators' (superusers') to change; `actor=None`
    is the system. ValidationError as `VersionedRule.next_version`."""
    if actor is not None and not actor.is_superuser:
        raise PermissionDenied(_("Only an administrator may change the rules."))
    rule = type(rule).objects.select_for_update().get(pk=rule.pk)
    revision = rule.next_version(effective_from, **fields)
    before = snapshot(rule)
    change(
        actor=actor,
        instance=rule,
        verb="rule.close",
        effective_to=effective_from - dt.timedelta(days=1),
    )
    revision.save()
    if isinstance(revision, IndicatorRule):
        standings.rules_changed()  # every stored day counted under the old version
    record_event(
        actor=actor, verb="rule.revise", target=revision, before=before, after=snapshot(revision)
    )
    return revision


def earliest_credit_day(today: dt.date | None = None) -> dt.date:
    """The first day hours may be credited for: the first day of the plan's previous
    five-year cycle (`ledger.compliance.cycle_for`). Hours count within the plan's cycle;
    a training of the last cycle may still be reported late early in a new one, but an
    older one counts towards nothing and is a mistyped year (1900-01-01)."""
    start, _end = cycle_for(today or timezone.localdate())
    return start - relativedelta(years=ROLLING_YEARS)


def credit_day_refusal(day: dt.date, today: dt.date | None = None) -> str | None:
    """Why hours cannot be credited for `day`: it has not come yet (hours are credited for
    training taken, whether imported, recognized or filed), or it is before
    `earliest_credit_day`; None when they can. `today` read once by a caller that asks
    for many days."""
    today = today or timezone.localdate()
    if day > today:
        return _("date in the future")
    if day < (earliest := earliest_credit_day(today)):
        return _("date before %(date)s, the first day of the previous plan period") % {
            "date": format_date(earliest)
        }
    return None


# Online-platform import

COLUMNS = {
    "id_number": ("身份证号码", "身份证号", "id_number"),
    "name": ("姓名", "name"),
    "date": ("学习日期", "日期", "date"),
    "hours": ("学时", "hours"),
    "course": ("课程", "课程名称", "course"),
    "platform": ("平台", "platform"),
}
REQUIRED_COLUMNS = ("id_number", "date", "hours")
# Values per IN (...) list, well under SQLite's limit of bound parameters.
LOOKUP_BATCH = 5000
ROWS_BATCH = 1000


def _batches(values, size=LOOKUP_BATCH):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _parse_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip().replace("/", "-").replace(".", "-")
    return dt.date.fromisoformat(text)


def _source_key(platform, number, date, course) -> str:
    digest = hashlib.sha1(f"{platform}|{number}|{date}|{course}".encode()).hexdigest()
    return f"online:{digest}"


def _row_date(row) -> dt.date | None:
    try:
        return _parse_date(row["date"])
    except (ValueError, TypeError):
        return None


def _already_imported(rows) -> set[str]:
    """The source keys of these rows already in the ledger."""
    keys = set()
    for row in rows:
        date = _row_date(row)
        if date is not None:
            number = idnumber.normalize(str(row["id_number"]))
            keys.add(
                _source_key(str(row["platform"]).strip(), number, date, str(row["course"]).strip())
            )
    found = set()
    for batch in _batches(keys):
        found.update(
            HourRecord.objects.filter(source_key__in=batch).values_list("source_key", flat=True)
        )
    return found


def _online_hours_by_day(cadres, rows) -> dict[tuple[int, dt.date], Decimal]:
    """Online hours already in the ledger (pending or recognized) per cadre and day, for
    the cadres and days of an upload."""
    days = {date for date in map(_row_date, rows) if date is not None}
    totals = {}
    for batch in _batches([c.pk for c in cadres]):
        totals.update(
            {
                (cadre_id, date): total
                for cadre_id, date, total in HourRecord.objects.filter(
                    cadre__in=batch, date__in=days, kind=HourKind.ONLINE
                )
                .exclude(status=HourStatus.REJECTED)
                .values_list("cadre_id", "date")
                .annotate(total=Sum("hours"))
                .order_by()
            }
        )
    return totals


def _read_hours_file(upload, name: str) -> list[tuple[int, dict]]:
    """The data rows of an hours file, read within the import limits
    (`core.spreadsheets`): the header is checked before any row is read."""
    with spreadsheets.open_table(upload, name, columns=COLUMNS, required=REQUIRED_COLUMNS) as table:
        return list(table)  # a file without data rows is refused


def hours_import_preview(*, actor, upload, name: str) -> HourImport:
    """Read the upload (a binary file) and check every row; nothing enters the ledger
    yet. A file out of bounds or unreadable is refused whole, and nothing is stored."""
    sha256 = _sha256(upload)
    table = _read_hours_file(upload, name)
    data = [row for _line, row in table]
    reach = selectors.cadres_in_reach(actor, "issue_dispatch")
    numbers = {idnumber.normalize(str(row["id_number"])) for row in data}
    cadres = {}
    for batch in _batches(numbers):
        cadres.update({c.id_number: c for c in reach.filter(id_number__in=batch)})
    seen = set()
    imported = _already_imported(data)
    ledger_days = _online_hours_by_day(cadres.values(), data)
    day_totals: dict[tuple[int, dt.date], Decimal] = {}
    today = timezone.localdate()
    lines = []
    for line, row in table:
        problems = []
        number = idnumber.normalize(str(row["id_number"]))
        cadre = cadres.get(number)
        if cadre is None:
            problems.append(_("unknown ID number or outside your jurisdiction"))
        elif (name := str(row["name"] or "").strip()) and name != cadre.name:
            # A mistyped ID number that happens to be another cadre's would credit them.
            problems.append(
                _("the name %(name)s does not match the ID number (its cadre is %(cadre)s)")
                % {"name": name[:20], "cadre": cadre.name}
            )
        try:
            date = _parse_date(row["date"])
            if refusal := credit_day_refusal(date, today):
                problems.append(refusal)
        except (ValueError, TypeError):
            date = None
            problems.append(_("unreadable date"))
        try:
            hours = Decimal(str(row["hours"]).strip())
            if hours <= 0:
                problems.append(_("hours must be positive"))
            elif hours > MAX_ONLINE_HOURS_PER_ROW:
                problems.append(_("more than 24 hours in one row"))
            elif hours != hours.quantize(HOURS_STEP):
                problems.append(_("hours with more than one decimal place"))
        except (InvalidOperation, ValueError):
            hours = None
            problems.append(_("unreadable hours"))
        course, platform = str(row["course"]).strip(), str(row["platform"]).strip()
        for value, most, label in ((course, 255, _("course")), (platform, 100, _("platform"))):
            if len(value) > most:  # kept whole or refused: never cut without a word
                problems.append(
                    _("%(field)s longer than %(most)s characters") % {"field": label, "most": most}
                )
        key = _source_key(platform, number, date, course)
        counted = False
        if key in seen:
            problems.append(_("duplicate of an earlier row"))
        elif key in imported:
            problems.append(_("already imported"))
        else:
            counted = True
        seen.add(key)
        if counted and cadre is not None and date is not None and hours is not None:
            if 0 < hours <= MAX_ONLINE_HOURS_PER_ROW:
                day = (cadre.pk, date)
                day_totals[day] = day_totals.get(day, ledger_days.get(day, Decimal(0))) + hours
                if day_totals[day] > MAX_ONLINE_HOURS_PER_DAY:
                    problems.append(
                        _(
                            "%(total)s hours for this cadre on this day with the rows above "
                            "and hours already imported (at most 24)"
                        )
                        % {"total": f"{day_totals[day].normalize():f}"}
                    )
        lines.append(
            HourImportRow(
                line=line,
                id_number=idnumber.mask(number)[:32],
                cadre=cadre,
                name=(cadre.name if cadre else str(row["name"]).strip())[:100],
                date=date,
                hours=(str(hours) if hours is not None else str(row["hours"]).strip())[:32],
                course=course[:255],
                platform=platform[:100],
                source_key=key,
                errors="；".join(problems),
            )
        )
    with transaction.atomic():
        hour_import = HourImport.objects.create(uploaded_by=actor, file_name=name[:255])
        for row in lines:
            row.hour_import = hour_import
        HourImportRow.objects.bulk_create(lines, batch_size=ROWS_BATCH)
        record_event(
            actor=actor,
            verb="hours.import_upload",
            target=hour_import,
            after={
                "file_name": hour_import.file_name,
                "sha256": sha256,
                "rows": len(lines),
                "rows_with_errors": sum(1 for row in lines if row.errors),
            },
        )
    return hour_import


def _sha256(upload) -> str:
    """The uploaded file's SHA-256, read again from its start in chunks."""
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in iter(lambda: upload.read(1 << 16), b""):
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


@transaction.atomic
def hours_import_commit(*, actor, hour_import: HourImport) -> list[HourRecord]:
    """Credit every row, or none: refused while any row has an error."""
    hour_import = HourImport.objects.select_for_update().get(pk=hour_import.pk)
    if hour_import.uploaded_by_id != actor.pk:
        raise ValidationError(_("Only the person who uploaded the file can commit it."))
    if hour_import.committed_at:
        raise ValidationError(_("This import has already been committed."))
    lines = hour_import.lines.all()
    if lines.exclude(errors="").exists():
        raise ValidationError(_("Correct the rows with errors and upload the file again."))
    reach = selectors.cadres_in_reach(actor, "issue_dispatch")
    if lines.filter(Q(cadre__isnull=True) | ~Q(cadre__in=reach.values("pk"))).exists():
        raise ValidationError(_("Some cadres are no longer in your jurisdiction."))
    rows = list(
        lines.order_by("line").values_list(
            "cadre_id", "date", "hours", "source_key", "platform", "course"
        )
    )
    day_totals = {}
    cadre_ids = {row[0] for row in rows}
    dates = {row[1] for row in rows}
    # Another import committing hours of these cadres waits here, then is counted below.
    lock_cadres(cadre_ids)
    for batch in _batches(cadre_ids):
        existing = (
            HourRecord.objects.filter(cadre_id__in=batch, date__in=dates, kind=HourKind.ONLINE)
            .exclude(status=HourStatus.REJECTED)
            .values_list("cadre_id", "date")
            .annotate(total=Sum("hours"))
            .order_by()
        )
        for cadre_id, date, total in existing:
            day_totals[(cadre_id, date)] = total
    for cadre_id, date, hours, *_rest in rows:
        day = (cadre_id, date)
        day_totals[day] = day_totals.get(day, Decimal(0)) + Decimal(hours)
    if any(total > MAX_ONLINE_HOURS_PER_DAY for total in day_totals.values()):
        raise ValidationError(
            _(
                "Other hours were imported meanwhile for some of these cadres and days; "
                "upload the file again to check them. Nothing was imported."
            )
        )
    # The cadres themselves, read once: each record's audit event names its cadre
    # (HourRecord.__str__), which would otherwise be one query a row.
    cadres = {}
    for batch in _batches(cadre_ids):
        cadres.update(Cadre.objects.only("pk", "name").in_bulk(batch))
    records = [
        HourRecord(
            cadre=cadres[cadre_id],
            date=date,
            hours=Decimal(hours),
            kind=HourKind.ONLINE,
            source=HourSource.ONLINE_IMPORT,
            source_key=source_key,
            note=f"{platform} {course}".strip()[:255],
        )
        for cadre_id, date, hours, source_key, platform, course in rows
    ]
    try:
        with transaction.atomic():
            created = HourRecord.objects.bulk_create(records, batch_size=ROWS_BATCH)
    except IntegrityError:
        raise ValidationError(
            _("Some rows were imported meanwhile; nothing was imported.")
        ) from None
    change(actor=actor, instance=hour_import, verb="hours.import", committed_at=timezone.now())
    record_events(actor=actor, verb="hours.credit", targets=[r for r in created if r.pk] or [])
    return created


# Hour recognition (学时认定 / 互认)

RECOGNITION_OPEN = (HourStatus.PENDING, HourStatus.RECOGNIZED)
#: the most hours one recognition request may ask for
MAX_RECOGNITION_HOURS = Decimal("2000")


def _recognition_refusals(*, date, hours: Decimal, kind: str, reason: str) -> dict:
    """The fields of a recognition request that are refused, with why."""
    errors = {}
    if hours <= 0:
        errors["hours"] = _("Credit hours must be positive.")
    elif hours > MAX_RECOGNITION_HOURS:
        errors["hours"] = _("At most %(max)s credit hours can be recognized in one request.") % {
            "max": format_hours(MAX_RECOGNITION_HOURS)
        }
    if refusal := credit_day_refusal(date):
        errors["date"] = refusal
    if not (reason or "").strip():
        errors["reason"] = _("Please give a reason for the request.")
    if kind not in HourKind.values:
        errors["kind"] = _("Unknown kind of training.")
    return errors


@transaction.atomic
def recognition_submit(
    *, actor, cadre: Cadre, date, hours, kind: str, provider: str, reason: str, attachment=None
) -> HourRecord:
    """A unit asks the org department to recognize hours earned elsewhere, with a proof
    if it has one (`attachment`, sent to the approvers); pending until approved. Refused
    while the same hours (cadre, provider, day, kind) are pending or recognized, and when
    the ledger already holds them — a day of a class or a filing credited to the cadre,
    whatever the hours, or the same hours of that day from an import or another request,
    whatever provider it names (`recognition_already_credited`)."""
    from core.validation import validate_attachment

    require_any(actor, ("act_as_liaison",), cadre.unit)
    hours = Decimal(hours)
    errors = _recognition_refusals(date=date, hours=hours, kind=kind, reason=reason)
    try:
        validate_attachment(attachment or None)
    except ValidationError as exc:
        errors["attachment"] = exc.messages
    if errors:
        raise ValidationError(errors)
    provider = " ".join((provider or "").split())
    base = recognition_key(cadre, provider, date, kind)
    duplicate = ValidationError(
        _(
            "Hours of %(cadre)s from %(provider)s on %(date)s have already been submitted "
            "for recognition (pending or recognized); the same hours cannot count twice."
        )
        % {"cadre": cadre.name, "provider": provider, "date": format_date(date)}
    )
    earlier = list(
        HourRecord.objects.filter(
            source=HourSource.RECOGNITION, source_key__startswith=f"{base}:"
        ).values_list("status", flat=True)
    )
    if any(status in RECOGNITION_OPEN for status in earlier):
        raise duplicate
    credited = recognition_already_credited(
        cadre=cadre, date=date, kind=kind, hours=hours, provider=provider
    )
    if credited is not None:
        raise already_credited(credited, date)
    try:
        with transaction.atomic():
            record = HourRecord.objects.create(
                cadre=cadre,
                date=date,
                hours=hours,
                kind=kind,
                source=HourSource.RECOGNITION,
                source_key=f"{base}:{len(earlier)}",
                status=HourStatus.PENDING,
                note=f"{provider}：{reason}"[:255],
                attachment=attachment or "",
            )
    except IntegrityError:  # the same request submitted at the same moment
        raise duplicate from None
    record_event(
        actor=actor, verb="hours.recognition_request", target=record, after=snapshot(record)
    )
    return record


@transaction.atomic
def recognition_decided(*, record: HourRecord, approved: bool) -> HourRecord:
    """The approval chain decided the request: approved hours are recognized. If the
    ledger came to hold them meanwhile (the last approval landed as they were credited
    otherwise: `recognition_refusal`, asked again under the record's lock), they are not
    counted twice: the request is recorded rejected, its event saying why."""
    record = HourRecord.objects.select_for_update().get(pk=record.pk)
    if record.status != HourStatus.PENDING:
        raise ValidationError(_("This step has already been completed by someone else."))
    if approved and (refusal := recognition_refusal(record)):
        return change(
            actor=None,
            instance=record,
            verb="hours.recognition_refused",
            note=refusal,
            status=HourStatus.REJECTED,
        )
    status = HourStatus.RECOGNIZED if approved else HourStatus.REJECTED
    return change(actor=None, instance=record, verb=f"hours.{status}", status=status)


# A recognition request sent back to the unit, corrected and submitted again
# (RecognitionFlow: the approval's head sends it back, the liaison corrects it).


def recognition_reason(record: HourRecord) -> str:
    """The reason a recognition request gives: its note after the platform or
    institution and its "：" (`recognition_submit`), or the whole note."""
    from ledger.recognition import recognition_provider

    prefix = f"{recognition_provider(record)}："
    reason = record.note[len(prefix) :] if record.note.startswith(prefix) else ""
    return reason.strip() or record.note


@transaction.atomic
def recognition_settled(*, record: HourRecord, request) -> HourRecord:
    """A round of approval of the recognition request `record` is settled (`request`).
    Approved or rejected, the record follows (`recognition_decided`). Sent back to the
    unit (the department head's 退回: the approval request is returned to the applicant),
    the record stays pending — not rejected — while the unit corrects the request and
    submits it again (`recognition_resubmit`), the event saying why. The cadre hears the
    outcome when they have an account (`approvals.notices.decided_to_cadre`)."""
    from django.urls import reverse

    from approvals import notices as approval_notices
    from approvals.models import RequestStatus

    if request.status == RequestStatus.RETURNED:
        record = HourRecord.objects.select_for_update().get(pk=record.pk)
        if record.status != HourStatus.PENDING:
            raise ValidationError(_("This step has already been completed by someone else."))
        record_event(
            actor=None,
            verb="hours.recognition_returned",
            target=record,
            note=approval_notices.deciding_comment(request),
        )
    else:
        record = recognition_decided(
            record=record, approved=request.status == RequestStatus.APPROVED
        )
    approval_notices.decided_to_cadre(
        request, url=reverse("training_record", args=[record.cadre_id])
    )
    return record


@transaction.atomic
def recognition_resubmit(*, actor, record: HourRecord, reason: str, attachment=None) -> HourRecord:
    """The unit corrects a recognition request sent back to it — its reason and, if
    given, a proof (the earlier one is kept otherwise) — and submits it again: a new
    round of approval follows (RecognitionFlow). The day, kind, hours and platform or
    institution stay: other hours are another request."""
    from approvals.models import Decision
    from approvals.services import latest_refusal
    from core.validation import require_reason, validate_attachment
    from ledger.recognition import recognition_provider

    record = HourRecord.objects.select_for_update().select_related("cadre__unit").get(pk=record.pk)
    require_any(actor, ("act_as_liaison",), record.cadre.unit)
    sent_back = latest_refusal(record)  # its latest approval request, if returned
    if record.status != HourStatus.PENDING or getattr(sent_back, "decision", None) != (
        Decision.SENT_BACK
    ):
        raise ValidationError(_("This step has already been completed by someone else."))
    reason = require_reason(reason, _("Please give a reason for the request."))
    try:
        validate_attachment(attachment or None)
    except ValidationError as exc:
        raise ValidationError({"attachment": exc.messages}) from exc
    before = snapshot(record)
    record.note = f"{recognition_provider(record)}：{reason}"[:255]
    fields = ["note"]
    if attachment:
        record.attachment = attachment
        fields.append("attachment")
    record.save(update_fields=fields)
    record_event(
        actor=actor,
        verb="hours.recognition_resubmit",
        target=record,
        before=before,
        after=snapshot(record),
    )
    return record
