"""What the organization's import kinds share: reading a cell, choices by their Chinese
label or value, yes/no flags, dates, batches, and who reaches which units (fetched once
per check, as sets of ids, so no row costs a query), and what accounts hold."""

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import TextChoices
from django.utils import translation
from django.utils.translation import gettext as _

from core.validation import validate_phone
from org import policy, selectors
from org.models import Unit, UnitUserObjectPermission
from org.roles import ROLE_PERMISSIONS, Role
from org.services import held_roles

BATCH = 2000

YES = {"是", "y", "yes", "true", "1", "√"}
NO = {"否", "n", "no", "false", "0", ""}


def text(value) -> str:
    """A cell as stripped text (xlsx cells may arrive as numbers)."""
    if type(value) is str:
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def cells(columns, row: dict) -> dict[str, str]:
    """{column key: text} for every column of the kind (a column missing from the file's
    header reads as empty)."""
    return {key: text(row.get(key)) for key in _keys(columns)}


def _keys(columns) -> tuple[str, ...]:
    return tuple(column.key for column in columns)


def choice_lookup(choices: type[TextChoices]) -> dict[str, str]:
    """{label or value, lower-cased: value}: the Chinese label, the English one, the value."""
    lookup = {}
    for value, label in choices.choices:
        lookup[value.lower()] = value
        with translation.override("zh-hans"):
            lookup[str(label).lower()] = value
        with translation.override("en"):
            lookup[str(label).lower()] = value
    return lookup


def choice_labels(choices: type[TextChoices]) -> str:
    """The Chinese labels, for a message or the template's instructions."""
    with translation.override("zh-hans"):
        return "、".join(str(label) for label in choices.labels)


def parse_flag(value) -> bool | None:
    """是/否 (and yes/no, 1/0); empty is 否; None when unreadable."""
    cell = text(value).lower()
    if cell in YES:
        return True
    if cell in NO:
        return False
    return None


EXCEL_EPOCH = dt.date(1899, 12, 30)
_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_DATE_PATTERNS = (
    re.compile(rf"^(\d{{4}})[-/.](\d{{1,2}})[-/.](\d{{1,2}}){_TIME}$"),
    re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def parse_date(value) -> dt.date | None:
    """A date from an Excel date cell, an Excel serial number, or text written
    2027-03-01, 2027/3/1, 2027.3.1, 2027年3月1日 or 20270301; None if unreadable.
    Org sits below dispatch: this is the reading `dispatch.import_cells` may import."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raw = text(value)
    if raw.isdigit() and len(raw) <= 5 or isinstance(value, int | float):
        try:
            serial = int(Decimal(raw))
        except (InvalidOperation, ValueError):
            return None
        if 1 <= serial <= 2958465:
            return EXCEL_EPOCH + dt.timedelta(days=serial)
        return None
    for pattern in _DATE_PATTERNS:
        match = pattern.match(raw)
        if match:
            try:
                return dt.date(*(int(part) for part in match.groups()))
            except ValueError:
                return None
    return None


def too_long(label: str, value: str, limit: int) -> str:
    return _("%(field)s has %(length)s characters; at most %(limit)s are allowed.") % {
        "field": label,
        "length": len(value),
        "limit": limit,
    }


def batches(items: Iterable, size: int = BATCH) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def holds_any(user, perms) -> bool:
    """Whether `user` holds one of `perms` on some unit: a grant's unit always exists,
    so the grants remembered for the request answer it without a query."""
    roots = selectors.grant_roots(user)
    return any(roots.get(perm) for perm in perms)


class Reach:
    """The units an importer holds a permission on, as a set of ids (None: all units —
    a superuser, or the system acting with no user)."""

    def __init__(self, actor, *perms: str):
        if actor is None or actor.is_superuser:
            self.ids = None
            return
        self.ids = set()
        for perm in perms:
            self.ids.update(selectors.units_in_reach(actor, perm).values_list("pk", flat=True))

    def __contains__(self, unit_id) -> bool:
        return self.ids is None or unit_id in self.ids


def units_by_code(codes: Iterable[str], fields=("pk", "code", "name", "path", "parent_id")):
    """{code: {field: value}} of the existing units among `codes`, in batched queries."""
    found = {}
    for batch in batches(sorted(set(codes))):
        for row in Unit.objects.filter(code__in=batch).values(*fields):
            found[row["code"]] = row
    return found


class AccountGrants:
    """What the accounts `user_ids` hold, read in two queries: their roles (groups) and,
    per unit, the permissions they hold there, with the units' names and paths. A role is
    held on a unit as `org.services.held_roles` reads it (the accounts import's preview
    and its revocations alike)."""

    def __init__(self, user_ids):
        self.roles: dict[int, set[str]] = {}
        for user_id, name in (
            get_user_model()
            .groups.through.objects.filter(user__in=user_ids)
            .values_list("user_id", "group__name")
        ):
            self.roles.setdefault(user_id, set()).add(name.removeprefix("role:"))
        self.perms: dict[int, dict[int, set[str]]] = {}  # user: {unit: codenames}
        self.units: dict[int, Unit] = {}
        for user_id, unit_id, codename, name, path in UnitUserObjectPermission.objects.filter(
            user__in=user_ids
        ).values_list(
            "user_id",
            "content_object_id",
            "permission__codename",
            "content_object__name",
            "content_object__path",
        ):
            self.perms.setdefault(user_id, {}).setdefault(unit_id, set()).add(codename)
            self.units[unit_id] = Unit(pk=unit_id, name=name, path=path)

    def holds(self, user_id, role, unit_id) -> bool:
        """The role's group and all its permissions on the unit."""
        codenames = self.perms.get(user_id, {}).get(unit_id, set())
        return role in self.roles.get(user_id, ()) and set(ROLE_PERMISSIONS[role]) <= codenames

    def held(self, user_id, within) -> list[tuple[str, int | None]]:
        """(role, unit id) of each role the account holds on a unit among `within` (ids),
        and (trainee, None) for a trainee."""
        roles = self.roles.get(user_id, set())
        found = [
            (role, unit_id)
            for unit_id, codenames in self.perms.get(user_id, {}).items()
            if unit_id in within
            for role in held_roles(roles, codenames)
        ]
        return found + [(Role.TRAINEE, None)] * (Role.TRAINEE in roles)

    def to_revoke(self, actor, user_id, role, kept, within) -> list[Unit]:
        """The units among `within` (ids) on which the account holds `role`, but not those
        in `kept` — a department role only where `actor` could give it
        (`org.policy.may_grant_role`): what the accounts import takes away."""
        units = [
            self.units[unit_id]
            for held, unit_id in self.held(user_id, within)
            if held == role and unit_id not in kept
        ]
        if role in policy.DEPARTMENT_ROLES:
            units = [unit for unit in units if policy.may_grant_role(actor, role, unit)]
        return sorted(units, key=lambda unit: unit.path)

    def text(self, grants) -> str:
        """(role, unit id) pairs as the preview shows them: "单位联络员（某市发改委）、…"."""
        names = {pk: unit.name for pk, unit in self.units.items()}
        order = {role: index for index, role in enumerate(Role.values)}
        grants = sorted(grants, key=lambda g: (order[g[0]], names.get(g[1], "")))
        return "、".join(
            str(Role(role).label) + (f"（{names[unit_id]}）" if unit_id else "")
            for role, unit_id in grants
        )


# -- the accounts import ----------------------------------------------------------------


def check_username(username: str) -> list[str]:
    if not username:
        return [_("The username is empty.")]
    if len(username) > 150:
        return [
            _("The username has %(length)s characters; at most 150.") % {"length": len(username)}
        ]
    try:
        get_user_model().username_validator(username)
    except ValidationError:
        return [
            _(
                "The username %(username)s may hold only letters, digits and the "
                "characters @ . + - _."
            )
            % {"username": username}
        ]
    return []


def check_account_details(details: dict) -> list[str]:
    errors = []
    name = details["full_name"]
    if not name:
        errors.append(_("The full name is empty."))
    elif len(name) > 150:
        errors.append(
            _("The full name has %(length)s characters; at most 150.") % {"length": len(name)}
        )
    if details["email"]:
        try:
            validate_email(details["email"])
        except ValidationError:
            errors.append(
                _("“%(value)s” is not an e-mail address.") % {"value": details["email"][:254]}
            )
    if details["phone"]:
        try:
            details["phone"] = validate_phone(details["phone"])
        except ValidationError as exc:
            errors.extend(exc.messages)
    return errors
