"""Running an import kind the way the framework does (imports.kinds): write the rows to a
CSV under the kind's headers, read it back with core.spreadsheets.open_table, `check`,
and commit = `check` again + `apply` in one transaction, refused on any error."""

import csv
import io

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from core.spreadsheets import open_table
from imports import services
from imports.kinds import Action, registry


def csv_bytes(kind, rows, extra_headers=()):
    """A CSV file of `rows` ({key: value}) under the kind's first header names, and any
    `extra_headers` ({header: value per row} given as (header, [values]))."""
    out = io.StringIO()
    writer = csv.writer(out)
    keys = [column.key for column in kind.columns]
    writer.writerow([column.names()[0] for column in kind.columns] + [h for h, _v in extra_headers])
    for index, row in enumerate(rows):
        writer.writerow(
            [row.get(key, "") for key in keys] + [values[index] for _h, values in extra_headers]
        )
    return out.getvalue().encode("utf-8")


def read(kind, data: bytes, name="rows.csv"):
    columns = {column.key: column.names() for column in kind.columns}
    required = [column.key for column in kind.columns if column.required]
    with open_table(io.BytesIO(data), name, columns=columns, required=required) as table:
        return list(table)


def check(slug, actor, rows, **kwargs):
    kind = registry.get(slug)
    return sorted(
        kind.check(actor, read(kind, csv_bytes(kind, rows, **kwargs))), key=lambda o: o.line
    )


def commit(slug, actor, rows, **kwargs):
    """Check and apply all or nothing; returns the outcomes. Raises ValidationError (and
    writes nothing) when a row has an error."""
    kind = registry.get(slug)
    table = read(kind, csv_bytes(kind, rows, **kwargs))
    outcomes = sorted(kind.check(actor, table), key=lambda o: o.line)

    def stream():
        for outcome in outcomes:
            if outcome.action == Action.ERROR:
                raise ValidationError(outcome.errors)
            yield outcome

    with transaction.atomic():
        kind.apply(actor, stream(), lambda n: None)
    return outcomes


def errors_by_line(outcomes) -> dict[int, list[str]]:
    return {o.line: o.errors for o in outcomes if o.errors}


def actions(outcomes) -> list[str]:
    return [o.action for o in outcomes]


def preview(kind, actor, rows):
    """`rows` as a CSV under the kind's headers through the import service (upload, then
    check, as the upload page does): the checked batch."""
    name = f"{kind.slug}.csv"
    upload = SimpleUploadedFile(name, csv_bytes(kind, rows))
    batch = services.batch_upload(actor=actor, kind=kind, upload=upload, name=name, start=False)
    return services.batch_check(batch)


def class_row(world, name="春季班", **fields):
    """A row of the classes import: the city's 春季班 at the party school, in March 2027,
    with `fields` changed."""
    values = {
        "number": "",
        "name": name,
        "institution": world.school_unit.code,
        "organizer": "X组通",
        "kind": "专题班",
        "start": "2027-03-01",
        "end": "2027-03-05",
        "report": "2027-02-28",
        "location": "党校主楼",
        "credit_hours": "40",
        "days": "5",
        "quota": "50",
    }
    values.update(fields)
    return values


def attended(klass, person, unit):
    """`person` recorded present at `klass` (as its registrar would have)."""
    from django.utils import timezone

    from dispatch.models import Dispatch, DispatchStatus

    return Dispatch.objects.create(
        training_class=klass,
        cadre=person,
        unit=unit,
        status=DispatchStatus.ATTENDED,
        attendance="present",
        hours_credited=klass.credit_hours,
        confirm_due=timezone.now(),
    )
