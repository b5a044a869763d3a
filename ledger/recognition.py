"""Hour recognition (学时认定 / 互认): what a request is about, and whether the ledger
already holds the hours it asks for. The writes (submitting, deciding) are services'."""

import datetime as dt
import hashlib
from collections.abc import Callable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from core.formatting import format_date, format_hours
from ledger.models import HourImportRow, HourRecord, HourSource, HourStatus
from org.models import Cadre

#: source → `keys_covering(cadre, day)`: see `register_training_days`
_TRAINING_DAYS: dict[str, Callable[[Cadre, dt.date], QuerySet]] = {}


def register_training_days(source: str, keys_covering: Callable[[Cadre, dt.date], QuerySet]):
    """A source whose records stand for training over several days (a class, a filing;
    each record dated the last day) tells the ledger which of them took in a day:
    `keys_covering(cadre, day)` is a query of one column, the `source_key`s of the
    cadre's records of that source whose training ran over `day`. The ledger reads it
    as a subquery (`recognition_already_credited`): one query, whatever the records. A
    day such a record's training took in is credited to the cadre already, whatever
    hours a request asks for. Registered by the app that credits them
    (AppConfig.ready), as the ledger knows no class or filing."""
    _TRAINING_DAYS[str(source)] = keys_covering


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
    *,
    cadre: Cadre,
    date: dt.date,
    kind: str,
    hours: Decimal,
    provider: str,
    excluding: HourRecord | None = None,
) -> HourRecord | None:
    """The record already in the ledger that these hours would count again, or None.

    Recognition is for hours the ledger does not hold. It already holds them when a
    record of the same cadre and kind (any record but a rejected one, and never
    `excluding`, the request being decided) either is training over several days that
    took in the day — a class or a filing (`register_training_days`), whatever hours it
    credited and whatever hours are asked for: a cadre credited 308.6 hours of a 360-hour
    class (less leave) is not recognized 360 hours for a day of it — or has the same
    hours on the same day — the same hours on the same day of the same kind are taken
    for the same training, whatever its source: an online import or another recognition
    request — or was imported on that day from the same platform (named as recognition
    keys compare providers): that platform's hours of the day came with its export.

    Of two requests for the same hours, a recognized one holds them, and a pending one
    while it is decided: at submission every pending request counts; at approval
    (`excluding`) only one asked for earlier, so the first of two asked for at once may
    be approved, and the second is refused once it has been."""
    held = HourRecord.objects.filter(cadre=cadre, kind=kind).exclude(status=HourStatus.REJECTED)
    same_training = Q(date=date, hours=hours)
    for source, keys_covering in _TRAINING_DAYS.items():
        # The day is one of the training's: its hours, whatever they are, are that day's.
        same_training |= Q(source=source, date__gte=date, source_key__in=keys_covering(cadre, date))
    if excluding is not None:
        held = held.exclude(pk=excluding.pk).exclude(
            source=HourSource.RECOGNITION, status=HourStatus.PENDING, pk__gt=excluding.pk
        )
    same = held.filter(same_training).order_by("pk").first()
    if same is not None:
        return same
    imported = {r.source_key: r for r in held.filter(date=date, source=HourSource.ONLINE_IMPORT)}
    if imported:
        wanted = _provider_words(provider)
        rows = HourImportRow.objects.filter(cadre=cadre, source_key__in=list(imported))
        for key, platform in rows.values_list("source_key", "platform"):
            if _provider_words(platform) == wanted:
                return imported[key]
    return None


def already_credited(record: HourRecord, day: dt.date | None = None) -> ValidationError:
    """The refusal of a recognition request for the hours of `record` (asked for `day`),
    naming where the ledger has them from: another request (its status and provider), or
    its source and note (the class, filing or platform course) — for a class or a filing
    whose training took in `day`, that it is the same training whatever the hours."""
    values = {
        "hours": format_hours(record.hours),
        "cadre": record.cadre.name,
        "date": format_date(record.date),
    }
    if record.source == HourSource.RECOGNITION:
        return ValidationError(
            _(
                "Another recognition request (%(status)s) asks for %(hours)s hours of this "
                "kind for %(cadre)s on %(date)s (%(provider)s); the same hours cannot "
                "count twice."
            )
            % {
                **values,
                "status": record.get_status_display(),
                "provider": recognition_provider(record),
            }
        )
    source = record.get_source_display()
    source = f"{source}：{record.note}" if record.note else source
    if day is not None and record.source in _TRAINING_DAYS:
        return ValidationError(
            _(
                "%(cadre)s has already been credited with the concentrated training "
                "(%(source)s, %(hours)s hours) that %(day)s falls within; the same "
                "training cannot count twice, whatever hours are asked for."
            )
            % {**values, "source": source, "day": format_date(day)}
        )
    return ValidationError(
        _(
            "The ledger already holds %(hours)s hours of this kind for %(cadre)s on "
            "%(date)s (%(source)s); the same hours cannot count twice."
        )
        % {**values, "source": source}
    )


def recognition_provider(record: HourRecord) -> str:
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
    filing, an online import, another request), as `recognition_submit` refuses them.
    Asked before an approver approves (registered with
    `approvals.policy.register_approval_check`) and by `recognition_decided`."""
    if record.source != HourSource.RECOGNITION or record.status != HourStatus.PENDING:
        return None
    credited = recognition_already_credited(
        cadre=record.cadre,
        date=record.date,
        kind=record.kind,
        hours=record.hours,
        provider=recognition_provider(record),
        excluding=record,
    )
    return None if credited is None else already_credited(credited, record.date).message
