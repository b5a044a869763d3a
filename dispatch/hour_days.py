"""Which of a cadre's hours from classes and filings are for training that took in a day:
the ledger's records of them are dated the last day (`attendance_record`,
`filing_review`), their training ran over the class's or the filing's dates. Registered
with `ledger.recognition.register_training_days`, so a recognition request for a day of
one of them is refused whatever hours it asks for; and read by `filing_review` (through
`concentrated_credits_overlapping`), so a filing does not credit again days a class, a
filing or a recognition has credited already."""

from django.db.models import CharField, Q, Value
from django.db.models.functions import Cast, Concat

from dispatch.models import Dispatch, Filing
from ledger.models import HourKind, HourRecord, HourSource, HourStatus


def _dispatch_key():
    return Concat(Value("dispatch:"), Cast("pk", CharField()))


def class_keys_covering(cadre, day):
    """The ledger keys (`dispatch:<pk>`) of the cadre's dispatches to classes whose dates
    take in `day`."""
    return (
        Dispatch.objects.filter(
            cadre=cadre, training_class__start_date__lte=day, training_class__end_date__gte=day
        )
        .annotate(key=_dispatch_key())
        .values("key")
    )


def filing_keys_covering(cadre, day):
    """The ledger keys (`filing:<pk>:<cadre pk>`) of the filings naming the cadre whose
    dates take in `day`."""
    return (
        Filing.objects.filter(participants=cadre, start_date__lte=day, end_date__gte=day)
        .annotate(key=Concat(Value("filing:"), Cast("pk", CharField()), Value(f":{cadre.pk}")))
        .values("key")
    )


def concentrated_credits_overlapping(cadres, start_date, end_date):
    """The recognized concentrated hour records of `cadres` for training on any day from
    `start_date` to `end_date`: a class whose dates meet them, a filing whose dates meet
    them (each judged by its training's dates, not the record's), or any other record (a
    recognized request) dated within them. One query, the cadre of each record joined, in
    the order of cadres and records."""
    pks = [getattr(c, "pk", c) for c in cadres]
    classes = (
        Dispatch.objects.filter(
            cadre__in=pks,
            training_class__start_date__lte=end_date,
            training_class__end_date__gte=start_date,
        )
        .annotate(key=_dispatch_key())
        .values("key")
    )
    filings = (
        Filing.participants.through.objects.filter(
            cadre__in=pks, filing__start_date__lte=end_date, filing__end_date__gte=start_date
        )
        .annotate(
            key=Concat(
                Value("filing:"),
                Cast("filing_id", CharField()),
                Value(":"),
                Cast("cadre_id", CharField()),
            )
        )
        .values("key")
    )
    return (
        HourRecord.objects.filter(
            cadre__in=pks, kind=HourKind.CONCENTRATED, status=HourStatus.RECOGNIZED
        )
        .filter(
            (
                Q(date__gte=start_date, date__lte=end_date)
                & ~Q(source__in=(HourSource.CLASS, HourSource.FILING))
            )
            | Q(source=HourSource.CLASS, source_key__in=classes)
            | Q(source=HourSource.FILING, source_key__in=filings)
        )
        .select_related("cadre")
        .order_by("cadre_id", "pk")
    )
