"""What one kind of import (units, organization departments, cadres, institutions, classes,
accounts) tells the import framework. The kinds live in the apps that own their models
(`org.imports`, `dispatch.imports`) and register themselves here from their AppConfig's
`ready()`; the framework (services, pages, the Celery task, `manage.py import_org`) knows
them only through this contract, so it depends on no domain app.

The framework's part: read the upload within bounds (`core.spreadsheets.open_table`, with
the kind's columns), hand every row to `check`, store each `RowOutcome` for the paged
preview with its counts, and on commit run `check` again on the stored rows (the database
may have changed since the preview) and, only if no row has an error, `apply` inside one
transaction, audited as one event with the file's SHA-256. The kind's part: the rules.

    class UnitKind(ImportKind):
        slug = "units"
        label = _("Units")
        columns = [Column("code", _("Unit code"), required=True, example="A001"), …]

        def may_import(self, user): …
        def check(self, actor, rows): … yield RowOutcome(…)
        def apply(self, actor, outcomes, progress): …

    registry.register(UnitKind())
"""

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext as _

from core.formatting import format_date, format_hours


class Action:
    """What committing a row does."""

    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    ERROR = "error"


@dataclass(frozen=True)
class Column:
    """One column of the kind's workbook. `header` is the Chinese header the template
    writes (a lazy translation); `aliases` are other headers accepted on upload (for
    example the cadre information system's own export's names)."""

    key: str
    header: str | Promise
    required: bool = False
    aliases: tuple[str, ...] = ()
    help: str | Promise = ""  # one line of the template's instructions sheet
    example: str = ""  # the template's example row
    masked: bool = False  # an ID number: the preview shows it masked (core.masking)

    def names(self) -> tuple[str, ...]:
        return (str(self.header), *self.aliases)


@dataclass
class RowOutcome:
    """The verdict on one row. `raw` is the row as read ({key: cell value as text});
    `key` names the row on the preview (a unit code, a masked ID number …); `data` is
    what `apply` needs (JSON-serialisable: it is stored between preview and commit);
    `errors` are full Chinese sentences, each naming the offending value; `changes` lists
    what an UPDATE changes, [label, old, new] as a person reads them (`differences`), for
    the preview (an outcome with errors keeps none)."""

    line: int
    key: str
    action: str
    raw: dict = field(default_factory=dict)
    data: dict = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    changes: list[list[str]] = field(default_factory=list)


def shown(value) -> str:
    """A value as the preview prints it: 是/否 for a flag, dates as dates, hours without
    a trailing .0, nothing for None."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dt.date):
        return format_date(value)
    if isinstance(value, Decimal | float):
        return format_hours(value)
    return str(value)


def differences(items: Iterable[tuple]) -> list[list[str]]:
    """`RowOutcome.changes` from (label, old, new) or (label, old, new, show) items: one
    [label, old, new] for each item whose values differ, the values as `shown`, after
    `show` (an id to a name, a code to its label) when given and the value is not None."""
    found = []
    for label, old, new, *show in items:
        if old == new:
            continue
        turn = show[0] if show else None
        found.append(
            [str(label), *(shown(turn(v) if turn and v is not None else v) for v in (old, new))]
        )
    return found


class ImportKind:
    slug: str = ""
    label: str | Promise = ""
    columns: list[Column] = []
    order: int = 100  # position on the import page, smallest first
    #: a longer explanation shown on the import page and the template's instructions sheet
    description: str | Promise = ""

    def may_import(self, user) -> bool:
        """Whether `user` may import this kind at all (jurisdiction per row is `check`'s)."""
        raise NotImplementedError

    def check(self, actor, rows: Iterable[tuple[int, dict]]) -> Iterator[RowOutcome]:
        """Judge every row ((line, {column key: value})), reading only: one outcome per
        row, in any order. It may read all rows first (a unit tree arrives in any order;
        duplicates within the file are errors) and must stay set-based (batched lookups,
        no query per row): 100,000 cadres are checked in seconds. An UPDATE carries its
        `changes`, named from what those lookups read (names, not ids)."""
        raise NotImplementedError

    def apply(self, actor, outcomes: Iterable[RowOutcome], progress: Callable[[int], None]) -> None:
        """Write the outcomes, inside the framework's transaction, in bulk batches (say
        2,000 rows): `outcomes` is a stream (100,000 rows must not all sit in memory),
        the fresh verdicts of `check` on the stored rows; UNCHANGED ones are to be
        skipped, and the stream raises a ValidationError (rolling everything back) if a
        row's verdict is no longer the one the preview showed (an error, another action,
        other data or changes). Call `progress(n)` after each
        batch of n rows. Raise a ValidationError to abort the whole commit."""
        raise NotImplementedError

    def result_rows(self, actor, batch) -> list[dict]:
        """After a commit, what the importer must see and print (accounts: the activation
        link or one-time code of each account the batch created that is not activated
        yet, computed when asked, never stored); empty for most kinds. `actor` is the
        one viewing the result now (the uploader, or a superuser), asked on every visit:
        hand only the rows `actor` may still see today (their reach may have shrunk since
        the upload — accounts: those `org.policy.may_manage_account` still allows)."""
        return []


class Registry:
    def __init__(self):
        self._kinds: dict[str, ImportKind] = {}

    def register(self, kind: ImportKind) -> ImportKind:
        if kind.slug in self._kinds:
            raise ValueError(f"import kind {kind.slug!r} is registered twice")
        self._kinds[kind.slug] = kind
        return kind

    def get(self, slug: str) -> ImportKind | None:
        return self._kinds.get(slug)

    def all(self) -> list[ImportKind]:
        return sorted(self._kinds.values(), key=lambda kind: (kind.order, kind.slug))

    def available_to(self, user) -> list[ImportKind]:
        return [kind for kind in self.all() if kind.may_import(user)]


registry = Registry()
