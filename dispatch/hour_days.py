"""Which of a cadre's hours from classes and filings are for training that took in a day:
the ledger's records of them are dated the last day (`attendance_record`,
`filing_review`), their training ran over the class's or the filing's dates. Registered
with `ledger.recognition.register_training_days`, so a recognition request for the same
hours of one of those days is refused."""

from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat

from dispatch.models import Dispatch, Filing


def class_keys_covering(cadre, day):
    """The ledger keys (`dispatch:<pk>`) of the cadre's dispatches to classes whose dates
    take in `day`."""
    return (
        Dispatch.objects.filter(
            cadre=cadre, training_class__start_date__lte=day, training_class__end_date__gte=day
        )
        .annotate(key=Concat(Value("dispatch:"), Cast("pk", CharField())))
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
