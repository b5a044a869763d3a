"""The hours ledger: rule revisions, online-platform imports, hour recognition."""

import datetime as dt
import hashlib
from decimal import Decimal, InvalidOperation

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
from ledger.models import (
    HourImport,
    HourImportRow,
    HourKind,
    HourRecord,
    HourSource,
    HourStatus,
    IndicatorRule,
)
from org import idnumber, selectors
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


def future_day_refusal(day: dt.date, today: dt.date | None = None) -> str | None:
    """Why hours cannot be credited for `day`: it has not come yet (hours are credited for
    training taken, whether imported, recognized or filed); None when they can. `today`
    read once by a caller that asks for many days."""
    if day > (today or timezone.localdate()):
        return _("date in the future")
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
        try:
            date = _parse_date(row["date"])
            if refusal := future_day_refusal(date, today):
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


def _provider_words(provider: str) -> str:
    """A platform or institution as compared: spaces collapsed, case ignored."""
    return " ".join((provider or "").split()).casefold()


def recognition_key(cadre: Cadre, provider: str, date: dt.date, kind: str) -> str:
    """What a recognition request is about — the cadre, the platform or institution, the
    day and the kind of training — so the same hours cannot be asked for twice. A
    rejected request may be asked for again: its key gets a sequence number."""
    provider = _provider_words(provider)
    digest = hashlib.sha1(f"{cadre.pk}|{provider}|{date.isoformat()}|{kind}".encode()).hexdigest()
    return f"recognition:{digest}"


def recognition_already_credited(
    *, cadre: Cadre, date: dt.date, kind: str, hours: Decimal, provider: str
) -> HourRecord | None:
    """The record already in the ledger that these hours would count again, or None.

    Recognition is for hours the ledger does not hold. It already holds them when a
    record of the same cadre, day and kind from a class, a filing or an online import
    (any record but a rejected one) either has the same hours — the same hours on the
    same day of the same kind are taken for the same training, whatever its source — or
    was imported from the same platform (named as recognition keys compare providers):
    that platform's hours of the day came with its export."""
    credited = (
        HourRecord.objects.filter(cadre=cadre, date=date, kind=kind)
        .exclude(source=HourSource.RECOGNITION)  # asked for before: `recognition_key`
        .exclude(status=HourStatus.REJECTED)
        .order_by("pk")
    )
    same_hours = credited.filter(hours=hours).first()
    if same_hours is not None:
        return same_hours
    imported = {r.source_key: r for r in credited.filter(source=HourSource.ONLINE_IMPORT)}
    if imported:
        wanted = _provider_words(provider)
        rows = HourImportRow.objects.filter(cadre=cadre, source_key__in=list(imported))
        for key, platform in rows.values_list("source_key", "platform"):
            if _provider_words(platform) == wanted:
                return imported[key]
    return None


def _already_credited(record: HourRecord) -> ValidationError:
    """The refusal of a recognition request for the hours of `record`, naming where the
    ledger has them from (its source and note: the class, filing or platform course)."""
    source = record.get_source_display()
    return ValidationError(
        _(
            "The ledger already holds %(hours)s hours of this kind for %(cadre)s on "
            "%(date)s (%(source)s); the same hours cannot count twice."
        )
        % {
            "hours": format_hours(record.hours),
            "cadre": record.cadre.name,
            "date": format_date(record.date),
            "source": f"{source}：{record.note}" if record.note else source,
        }
    )


def _recognition_refusals(*, date, hours: Decimal, kind: str, reason: str) -> dict:
    """The fields of a recognition request that are refused, with why."""
    errors = {}
    if hours <= 0:
        errors["hours"] = _("Credit hours must be positive.")
    elif hours > MAX_RECOGNITION_HOURS:
        errors["hours"] = _("At most %(max)s credit hours can be recognized in one request.") % {
            "max": format_hours(MAX_RECOGNITION_HOURS)
        }
    if refusal := future_day_refusal(date):
        errors["date"] = refusal
    if not (reason or "").strip():
        errors["reason"] = _("Please give a reason for the request.")
    if kind not in HourKind.values:
        errors["kind"] = _("Unknown kind of training.")
    return errors


@transaction.atomic
def recognition_submit(
    *, actor, cadre: Cadre, date, hours, kind: str, provider: str, reason: str
) -> HourRecord:
    """A unit asks the org department to recognize hours earned elsewhere; pending until
    approved. Refused while the same hours (cadre, provider, day, kind) are pending or
    recognized, and when the ledger already holds them
    (`recognition_already_credited`)."""
    require_any(actor, ("act_as_liaison",), cadre.unit)
    hours = Decimal(hours)
    errors = _recognition_refusals(date=date, hours=hours, kind=kind, reason=reason)
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
        raise _already_credited(credited)
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
            )
    except IntegrityError:  # the same request submitted at the same moment
        raise duplicate from None
    record_event(
        actor=actor, verb="hours.recognition_request", target=record, after=snapshot(record)
    )
    return record


def _recognition_provider(record: HourRecord) -> str:
    """The platform or institution a recognition request named: its note begins with it
    and a "：" (`recognition_submit`); the request's key tells where it ends."""
    base = record.source_key.rsplit(":", 1)[0]
    parts = record.note.split("：")
    for end in range(1, len(parts)):
        provider = "：".join(parts[:end])
        if recognition_key(record.cadre, provider, record.date, record.kind) == base:
            return provider
    return parts[0]


def recognition_refusal(record: HourRecord) -> str | None:
    """Why the pending recognition request `record` may not be approved, or None: the
    ledger has come to hold its hours since it was asked for (a class's attendance, a
    filing, an online import), as `recognition_submit` refuses them. Asked before an
    approver approves (registered with `approvals.policy.register_approval_check`) and
    by `recognition_decided`."""
    if record.source != HourSource.RECOGNITION or record.status != HourStatus.PENDING:
        return None
    credited = recognition_already_credited(
        cadre=record.cadre,
        date=record.date,
        kind=record.kind,
        hours=record.hours,
        provider=_recognition_provider(record),
    )
    return None if credited is None else _already_credited(credited).message


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
