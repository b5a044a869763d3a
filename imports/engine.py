"""The import's two long steps, run by the Celery tasks (`imports.tasks`) or, with a
progress bar, by `manage.py import_org`: checking an uploaded file into the rows of its
preview, and committing the checked rows all or nothing. `imports.services` starts them."""

import datetime as dt
import json as json_module
import logging
import re
import unicodedata
from contextlib import contextmanager
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record_event
from core.spreadsheets import Limits, open_table
from imports.kinds import Action, ImportKind, registry
from imports.models import BatchStatus, ImportBatch, ImportRow
from imports.progress import Counter, clear_progress

logger = logging.getLogger(__name__)

#: rows written (and read back) per statement
CHUNK = 2000
#: marks the template puts after a required column's header, accepted on upload
REQUIRED_MARKS = ("*", "＊")
#: a header naming a password (密码, 口令, password, passwd, pwd; any case): no kind reads
#: one, and a file holding passwords must not even be kept
PASSWORD_HEADER = re.compile(r"密码|口令|pass\s*word|passwd|(?<![a-z])pwd(?![a-z])", re.IGNORECASE)


def org_limits() -> Limits:
    """An organization department's import: up to 100,000 cadres and more in one file."""
    return Limits(
        max_bytes=settings.XUNDIAO_ORG_IMPORT_MAX_BYTES,
        max_rows=settings.XUNDIAO_ORG_IMPORT_MAX_ROWS,
        max_inflated_bytes=settings.XUNDIAO_ORG_IMPORT_MAX_INFLATED_BYTES,
        max_ratio=settings.XUNDIAO_IMPORT_MAX_RATIO,
    )


def column_names(kind: ImportKind) -> dict[str, tuple[str, ...]]:
    """{column key: accepted headers}: the header, its aliases, and each marked required."""
    return {
        column.key: tuple(name + mark for name in column.names() for mark in ("", *REQUIRED_MARKS))
        for column in kind.columns
    }


def refuse_password_columns(header) -> None:
    """Refuse a header with a password-like column, for every kind."""
    found = [cell for cell in header if PASSWORD_HEADER.search(unicodedata.normalize("NFKC", cell))]
    if found:
        raise ValidationError(
            _(
                "The file must not contain a password column (%(columns)s): passwords are "
                "never imported, each new account gets an activation code instead. Delete "
                "the column and upload the file again."
            )
            % {"columns": "、".join(found)}
        )


@contextmanager
def open_checked(kind: ImportKind, stream, name: str):
    """`open_table` on an upload of `kind`: its header read first and checked (the
    kind's required columns, no password column) before any data row."""
    with open_table(
        stream,
        name,
        columns=column_names(kind),
        required=[column.key for column in kind.columns if column.required],
        limits=org_limits(),
    ) as table:
        refuse_password_columns(table.header)
        yield table


def check_header(kind: ImportKind, upload, name: str) -> None:
    """Read only the header of an upload of `kind`, within bounds, and refuse the file
    (a ValidationError with the check's own message) if it cannot be read, lacks a
    required column or has a password column: before the file is kept."""
    try:
        with open_checked(kind, upload, name):
            pass
    except ValidationError as exc:
        other = _kind_fitting(upload, name)
        if other is None or other.slug == kind.slug:
            raise
        hint = _("The file's header is that of the template for “%(kind)s”: import it there.")
        raise ValidationError([*exc.messages, hint % {"kind": other.label}]) from exc


def _kind_fitting(upload, name: str) -> ImportKind | None:
    """The kind whose template the file's header fits, if one does (for the refusal of a
    file uploaded under another kind)."""
    getattr(upload, "seek", lambda _offset: None)(0)
    try:
        return kind_of_file(upload, name)
    except ValidationError:
        return None


def kind_of_file(stream, name: str, kinds: list[ImportKind] | None = None) -> ImportKind:
    """The import kind whose template a file's header row is: every required column
    there, and more of the kind's columns than of any other such kind. Only the header is
    read (within bounds); the stream is rewound. ValidationError when no kind or two
    fit."""
    kinds = registry.all() if kinds is None else kinds
    with open_table(stream, name, columns={}, required=(), limits=org_limits()) as table:
        header = set(table.header)
    getattr(stream, "seek", lambda _offset: None)(0)
    scored = []
    for kind in kinds:
        names = column_names(kind)
        matched = {key for key, accepted in names.items() if header & set(accepted)}
        required = {column.key for column in kind.columns if column.required}
        if required <= matched:
            scored.append((len(matched), kind))
    scored.sort(key=lambda pair: -pair[0])
    if not scored or (len(scored) > 1 and scored[0][0] == scored[1][0]):
        raise ValidationError(
            _(
                "The header row does not tell which template this file is (one of: "
                "%(kinds)s); name the kind."
            )
            % {"kinds": "、".join(f"{kind.slug}（{kind.label}）" for kind in kinds)}
        )
    return scored[0][1]


#: how `core.exports` writes a string of digits into a CSV for Excel to keep it text
_CSV_DIGITS = re.compile(r'="(\d+)"')
#: the characters after which `core.exports` puts an apostrophe into a CSV cell
_CSV_QUOTED = ("=", "+", "-", "@")


def cell_text(value, *, csv: bool = False) -> str:
    """A cell as the text a kind reads: dates as ISO dates, 12.0 as 12, stripped. A CSV
    cell loses what `core.exports` adds for Excel (a file exported here and uploaded back
    reads as it was exported): ="110101198501020420" reads as the digits, and the
    apostrophe before = + - @ is taken off ('-1 reads -1). An .xlsx cell is read as it
    is: there a leading apostrophe is a style, never in the value."""
    if csv:
        return _csv_text(cell_text(value))
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value).replace("\x00", "").strip()


def _csv_text(text: str) -> str:
    if digits := _CSV_DIGITS.fullmatch(text):
        return digits.group(1)
    if text.startswith("'") and text[1:2] in _CSV_QUOTED:
        return text[1:]
    return text


def kind_of(batch: ImportBatch) -> ImportKind:
    kind = registry.get(batch.kind)
    if kind is None:
        raise ValidationError(_("This kind of import is no longer available."))
    return kind


def _counts(counts: dict) -> dict:
    return {
        "rows_total": sum(counts.values()),
        "rows_create": counts.get(Action.CREATE, 0),
        "rows_update": counts.get(Action.UPDATE, 0),
        "rows_unchanged": counts.get(Action.UNCHANGED, 0),
        "rows_error": counts.get(Action.ERROR, 0),
    }


def _summary(batch: ImportBatch, counts: dict) -> dict:
    return {"kind": batch.kind, "file_name": batch.file_name, "sha256": batch.sha256, **counts}


def _verdict(outcome) -> tuple[str, str, list[str], list]:
    """(key, action, errors, changes) of an outcome as stored: an outcome with errors is
    an error, and changes nothing."""
    errors = [str(error) for error in outcome.errors]
    action = Action.ERROR if errors else outcome.action
    changes = [] if action == Action.ERROR else [[str(v) for v in c] for c in outcome.changes]
    return str(outcome.key or "")[:255], action, errors, changes


def _insert_rows(batch_pk: int, outcomes: list) -> None:
    """Insert preview rows ((outcome, raw) pairs), one statement per chunk, without the
    ORM's per-object preparation (it cost most of a 100,000-row check)."""
    if not outcomes:
        return
    meta = ImportRow._meta
    names = ("batch", "line", "key", "action", "raw", "data", "errors", "changes")
    columns = ", ".join(connection.ops.quote_name(meta.get_field(n).column) for n in names)
    json = "%s::jsonb" if connection.vendor == "postgresql" else "%s"
    sql = (
        f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({columns}) "
        f"VALUES (%s, %s, %s, %s, {json}, {json}, {json}, {json})"
    )
    values = []
    for outcome, raw in outcomes:
        key, action, errors, changes = _verdict(outcome)
        values.append(
            (
                batch_pk,
                outcome.line,
                key,
                action,
                _dumps(raw),
                _dumps(outcome.data),
                _dumps(errors),
                _dumps(changes),
            )
        )
    with connection.cursor() as cursor:
        cursor.executemany(sql, values)


def _dumps(value) -> str:
    return json_module.dumps(value, ensure_ascii=False, cls=DjangoJSONEncoder)


# -- checking ------------------------------------------------------------------------------


def batch_check(batch: ImportBatch, *, also=None) -> ImportBatch:
    """Read the batch's file within bounds and store the kind's verdict on every row for
    the preview, with the counts; a file refused as a whole keeps no row. A batch
    checked already is left as it is (a task delivered twice)."""
    if batch.status != BatchStatus.UPLOADED:
        return batch
    counter = Counter(batch.pk, "checking", also=also)
    try:
        kind = kind_of(batch)
        if not kind.may_import(batch.uploaded_by):
            raise ValidationError(_("You may no longer import this kind of data."))
        with transaction.atomic():
            # The batch's row stays locked while it is checked: a second delivery of the
            # task waits and then finds it checked, and `imports.recovery` tells a check
            # that is running from one whose worker died.
            locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
            if locked.status != BatchStatus.UPLOADED:
                return locked
            counts = _store_rows(batch, kind, counter)
            ImportBatch.objects.filter(pk=batch.pk).update(
                status=BatchStatus.PREVIEWED, refusal="", **counts
            )
            record_event(
                actor=batch.uploaded_by,
                verb="import.check",
                target=batch,
                after=_summary(batch, counts),
            )
    except ValidationError as exc:
        _refuse(batch, exc.messages)
    except Exception:
        logger.exception("import batch %s: checking failed", batch.pk)
        _refuse(
            batch, [_("The file could not be checked (an internal error); tell the administrator.")]
        )
    finally:
        clear_progress(batch.pk)
    batch.refresh_from_db()
    return batch


def _store_rows(batch: ImportBatch, kind: ImportKind, counter: Counter) -> dict:
    raws: dict[int, dict] = {}

    csv = batch.file_name.lower().endswith(".csv")

    def rows(table):
        for line, row in table:
            raw = {key: cell_text(value, csv=csv) for key, value in row.items()}
            raws[line] = raw
            counter.total += 1
            yield line, raw

    counts: dict[str, int] = {}
    buffer: list = []
    with batch.file.open("rb") as stream:
        with open_checked(kind, stream, batch.file_name) as table:
            for outcome in kind.check(batch.uploaded_by, rows(table)):
                action = Action.ERROR if outcome.errors else outcome.action
                counts[action] = counts.get(action, 0) + 1
                buffer.append((outcome, raws.pop(outcome.line, None) or outcome.raw))
                if len(buffer) >= CHUNK:
                    _insert_rows(batch.pk, buffer)
                    counter(len(buffer))
                    buffer = []
    _insert_rows(batch.pk, buffer)
    counter(len(buffer))
    return _counts(counts)


def _refuse(batch: ImportBatch, messages: list[str]) -> None:
    with transaction.atomic():
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=BatchStatus.REFUSED, refusal="\n".join(messages), **_counts({})
        )
        record_event(
            actor=batch.uploaded_by,
            verb="import.refuse",
            target=batch,
            after={"kind": batch.kind, "file_name": batch.file_name, "sha256": batch.sha256},
            note="\n".join(messages)[:1000],
        )


# -- committing ----------------------------------------------------------------------------


class _Fresh:
    """The kind's fresh verdicts on the stored rows, streamed to `apply`: it raises a
    ValidationError at the first row whose verdict is not the one the preview showed
    (its action, data or changes; an error above all) — the database has changed since
    the check, and the importer must look at the rows again before anything is written."""

    def __init__(self, kind, actor, batch):
        self._shown: dict[int, str] = {}  # line -> the stored verdict, as `_shown`
        self._outcomes = iter(kind.check(actor, self._stored(batch)))
        self.counts: dict[str, int] = {}
        self.changed = False

    def _stored(self, batch):
        rows = (
            ImportRow.objects.filter(batch=batch)
            .order_by("line")
            .values_list("line", "raw", "action", "data", "changes")
            .iterator(chunk_size=CHUNK)
        )
        for line, raw, action, data, changes in rows:
            self._shown[line] = _shown(action, data, changes)
            yield line, raw

    def __iter__(self):
        for outcome in self._outcomes:
            _key, action, _errors, changes = _verdict(outcome)
            shown = self._shown.pop(outcome.line, None)
            fresh = json_module.loads(_dumps(outcome.data)) if action != Action.ERROR else {}
            if action == Action.ERROR or shown != _shown(action, fresh, changes):
                self.changed = True
                raise ValidationError(
                    _("The data have changed since the preview; check the rows again.")
                )
            self.counts[action] = self.counts.get(action, 0) + 1
            yield outcome

    def finish(self) -> dict:
        """Judge the rows `apply` did not read (none, if it read them all)."""
        for _outcome in self:
            pass
        return _counts(self.counts)


def _shown(action, data, changes) -> str:
    """A row's verdict (as stored, JSON) in one comparable string: the same whatever order
    the database keeps a JSON object's keys in."""
    return json_module.dumps([action, data, changes], ensure_ascii=False, sort_keys=True)


def batch_commit(*, actor, batch: ImportBatch, also=None) -> ImportBatch:
    """Commit a checked batch all or nothing: the kind judges the stored rows again and
    writes them in one transaction, audited as one event with the file's SHA-256. If a
    row's verdict is not the one the preview showed (an error, another action, other data
    or changes), nothing is written and the preview shows the rows judged again."""
    kind = kind_of(batch)
    if not kind.may_import(actor):
        raise PermissionDenied
    if batch.uploaded_by_id != actor.pk and not actor.is_superuser:
        raise PermissionDenied
    claimed = ImportBatch.objects.filter(
        pk=batch.pk, status=BatchStatus.PREVIEWED, rows_error=0
    ).update(status=BatchStatus.COMMITTING, failure="")
    batch.refresh_from_db()
    if not claimed and batch.status != BatchStatus.COMMITTING:
        raise ValidationError(_refusal(batch))
    counter = Counter(batch.pk, "committing", total=batch.rows_total, also=also)
    fresh = None
    try:
        with transaction.atomic():
            locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
            if locked.status != BatchStatus.COMMITTING:
                raise ValidationError(_refusal(locked))
            fresh = _Fresh(kind, actor, locked)
            kind.apply(actor, iter(fresh), counter)
            counts = fresh.finish()
            counter.flush()
            ImportBatch.objects.filter(pk=batch.pk).update(
                status=BatchStatus.COMMITTED, committed_at=timezone.now(), **counts
            )
            record_event(
                actor=actor, verb="import.commit", target=locked, after=_summary(locked, counts)
            )
    except ValidationError as exc:
        _commit_failed(batch, kind, actor, exc.messages, refresh=bool(fresh and fresh.changed))
        raise
    except Exception:
        logger.exception("import batch %s: commit failed", batch.pk)
        message = _("The import could not be committed (an internal error); nothing was written.")
        _commit_failed(batch, kind, actor, [message], refresh=False)
        raise
    finally:
        clear_progress(batch.pk)
    batch.refresh_from_db()
    return batch


def _refusal(batch: ImportBatch) -> str:
    if batch.status == BatchStatus.COMMITTED:
        return _("This import has been committed already.")
    if batch.status == BatchStatus.COMMITTING:
        return _("This import is being committed.")
    if batch.rows_error:
        return _("Rows have errors; correct the file and upload it again.")
    return _("This import cannot be committed now.")


def _commit_failed(batch, kind, actor, messages, *, refresh: bool) -> None:
    """Outside the rolled-back transaction: back to the preview, its rows judged again
    if they have changed, so that the importer sees why."""
    with transaction.atomic():
        if ImportBatch.objects.filter(pk=batch.pk, status=BatchStatus.COMMITTED).exists():
            return  # another commit of the same batch went through; nothing to undo
        fields = {"status": BatchStatus.PREVIEWED, "failure": "\n".join(messages)}
        if refresh:
            fields.update(_refresh_rows(batch, kind, actor))
        ImportBatch.objects.filter(pk=batch.pk).update(**fields)
        record_event(
            actor=actor,
            verb="import.commit_failed",
            target=batch,
            after={"kind": batch.kind, "sha256": batch.sha256},
            note=fields["failure"][:1000],
        )


#: what judging a stored row again rewrites
REFRESHED = ["key", "action", "data", "errors", "changes"]


def _refresh_rows(batch, kind, actor) -> dict:
    rows = ImportRow.objects.filter(batch=batch).order_by("line").values_list("pk", "line", "raw")
    ids, stored = {}, []
    for pk, line, raw in rows.iterator(chunk_size=CHUNK):
        ids[line] = pk
        stored.append((line, raw))
    counts: dict[str, int] = {}
    buffer = []
    for outcome in kind.check(actor, stored):
        pk = ids.get(outcome.line)
        if pk is None:
            continue
        key, action, errors, changes = _verdict(outcome)
        counts[action] = counts.get(action, 0) + 1
        buffer.append(
            ImportRow(
                pk=pk, key=key, action=action, data=outcome.data, errors=errors, changes=changes
            )
        )
        if len(buffer) >= CHUNK:
            ImportRow.objects.bulk_update(buffer, REFRESHED)
            buffer = []
    ImportRow.objects.bulk_update(buffer, REFRESHED)
    return _counts(counts)
