"""The statement that reads a user's grants, written out once per process.

Every request reads the units on which its user holds each permission
(`org.selectors.grant_roots`). Built through the ORM — a union of the direct and the group
grants, four joins each and a correlated test of running delegations — the statement cost
1.5 ms of Python to build and compile for 0.06 ms of work in the database; written here
once, with the tables' own names, it costs the work alone. Its rule is the one
`grant_roots` documents; tests/org hold it to that rule (direct, group and delegated
grants, a delegation's dates, revocation and inactive delegator)."""

from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from org.models import Delegation, Unit, UnitGroupObjectPermission, UnitUserObjectPermission


@cache
def _statement(vendor: str) -> str:
    """The SQL (with the connection's quoting; `vendor` keys the cache), parameters: the
    user, the user, today, today, the user."""
    quote = connection.ops.quote_name

    def table(model) -> str:
        return quote(model._meta.db_table)

    user_model = get_user_model()
    user_groups = user_model._meta.get_field("groups").remote_field.through
    permission_of = f"""
        JOIN {table(Permission)} p ON p.id = g.permission_id
        JOIN {table(ContentType)} ct ON ct.id = p.content_type_id AND ct.app_label = 'org'
        JOIN {table(Unit)} u ON u.id = g.content_object_id"""
    return f"""
SELECT p.codename, g.content_object_id, u.path
FROM {table(UnitUserObjectPermission)} g {permission_of}
WHERE g.user_id = %s OR EXISTS (
    SELECT 1 FROM {table(Delegation)} d
    JOIN {table(user_model)} delegator ON delegator.id = d.delegator_id
    WHERE d.delegate_id = %s AND d.delegator_id = g.user_id AND delegator.is_active
      AND d.permission = 'org.' || p.codename AND NOT d.revoked
      AND d.starts_on <= %s AND d.ends_on >= %s)
UNION
SELECT p.codename, g.content_object_id, u.path
FROM {table(UnitGroupObjectPermission)} g {permission_of}
JOIN {table(user_groups)} ug ON ug.group_id = g.group_id
WHERE ug.user_id = %s"""


def grant_rows(user, today) -> list[tuple[str, int, str]]:
    """(codename, unit id, unit path) of every `org` permission `user` holds on a unit:
    directly, through a group, or through a delegation running on `today` (not revoked,
    within its dates, its delegator active) of a permission its delegator holds
    directly."""
    day = connection.ops.adapt_datefield_value(today)
    with connection.cursor() as cursor:
        cursor.execute(_statement(connection.vendor), [user.pk, user.pk, day, day, user.pk])
        return cursor.fetchall()
