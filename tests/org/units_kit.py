"""The unit import's test helpers: a CSV of rows through the import service."""

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile

from imports import services
from imports.kinds import registry

KIND = registry.get("units")


def upload(rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([str(column.header) for column in KIND.columns])
    for row in rows:
        writer.writerow([row.get(column.key, "") for column in KIND.columns])
    return SimpleUploadedFile("units.csv", out.getvalue().encode("utf-8"))


def preview(actor, rows):
    batch = services.batch_upload(
        actor=actor, kind=KIND, upload=upload(rows), name="units.csv", start=False
    )
    return services.batch_check(batch)


def lines(batch):
    return {row.line: row for row in batch.rows.all()}


def errors_of(batch, line):
    return " ".join(lines(batch)[line].errors)


def row(code, name, parent="", kind="国家机关"):
    return {"code": code, "name": name, "kind": kind, "parent": parent}
