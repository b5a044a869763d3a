"""The unit import's test helpers: a CSV of rows through the import service."""

from imports.kinds import registry
from tests.dispatch import import_kit

KIND = registry.get("units")


def preview(actor, rows):
    return import_kit.preview(KIND, actor, rows)


def lines(batch):
    return {row.line: row for row in batch.rows.all()}


def errors_of(batch, line):
    return " ".join(lines(batch)[line].errors)


def row(code, name, parent="", kind="国家机关"):
    return {"code": code, "name": name, "kind": kind, "parent": parent}
