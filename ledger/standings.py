"""The stored compliance standings: every cadre's overall status on a day (severity,
shortfall, a copy of the name), so that the compliance report is an indexed read
(`ledger.report.StandingRows`) instead of evaluating every cadre in reach per page.

* **Counted** for one day by one set-based recount (`recount`): `INSERT … SELECT` of the
  same SQL the live report orders by (`compliance.ReportRows._union`, one query per set
  of rules), plus a row with severity `NO_RULES` for each cadre no rule applies to — so
  a day holds one row per cadre, and a day whose rows are fewer than the cadres (a cadre
  added by a path without the hook below: a bulk import, a seed) is seen at once and
  filled in (`ensure`). Only days are stored, never a `since`; at most today and the
  KEEP_DAYS days counted last are kept.
* **Kept** in the transaction of every write that moves a running total
  (`HourTotal.objects.move` sends `ledger.models.totals_moved`, received by
  `hours_counted`): the touched cadres are evaluated again, set-based, for every stored
  day (one upsert per day). A cadre saved through `org.services.cadre_save` with a new
  name or category, or registered, and cadres updated by the cadre import, the same
  (`org.signals.cadres_changed`, received by `cadres_changed`). A revision of an
  indicator rule drops every day (`rules_changed`); any other change of the rules in
  force — an edit in the admin, a migration — is caught by the day's fingerprint of its
  rules (`fingerprint`), checked on every read.
* **Stale or missing** days are read live (the report's SQL path) while their recount
  is queued (`ledger.tasks.queue_recount`); `manage.py recount_compliance [--check]`
  counts a day (or compares it with the live evaluation).

On PostgreSQL a recount locks the standings table (EXCLUSIVE) and every write of hours
takes ROW EXCLUSIVE on it before reading the stored days, so a write either is in a
recount's snapshot or refreshes the day the recount made; refreshes of one cadre are
serialised by a lock on the cadre's row (FOR NO KEY UPDATE, which foreign-key checks
do not wait for).
"""

import datetime as dt
import hashlib

from django.core.exceptions import EmptyResultSet
from django.db import connections, transaction
from django.utils import timezone

from audit.services import record_event
from ledger import compliance
from ledger.models import IndicatorRule
from ledger.standing_models import NO_RULES, ComplianceDay, ComplianceStanding
from org.models import Cadre

KEEP_DAYS = 3  # besides today: the days counted last
# More cadres touched by one write: their days are dropped (recounted on the next read)
# rather than evaluated again row by row in the writer's transaction.
REFRESH_LIMIT = 500


def fingerprint(rule_sets: list[compliance.Profile]) -> str:
    """What the standings of a day depend on besides the hours: the plan period and, per
    set of categories, the rules that apply and their figures."""
    parts = [repr(compliance.plan_period())]
    for profile in rule_sets:
        rules = [
            (r.pk, r.kind, r.window, str(r.min_hours), str(r.alt_min_days), str(r.hours_per_day))
            for r in profile.rules
        ]
        parts.append(repr((profile.group, tuple(profile.categories), rules)))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _in_force(rules: list[IndicatorRule], as_of: dt.date) -> dict[str, list[IndicatorRule]]:
    """`compliance.rules_in_force(as_of)` from rules read once."""
    found: dict[str, list[IndicatorRule]] = {}
    for rule in sorted(rules, key=lambda r: (r.group, r.kind, r.pk)):
        ended = rule.effective_to is not None and rule.effective_to < as_of
        if rule.effective_from <= as_of and not ended:
            found.setdefault(rule.group, []).append(rule)
    return found


def standings_sql(cadres, as_of: dt.date, rule_sets) -> tuple[str, list]:
    """SELECT id, name, severity, shortfall of every one of `cadres` on `as_of`: the live
    report's ranked SQL, and NO_RULES for those no rule applies to."""
    parts, params = [], []
    union = compliance.ReportRows(cadres, as_of, rule_sets=rule_sets)._union()
    if union is not None:
        parts.append(union[0])
        params += union[1]
    categories = [c for profile in rule_sets for c in profile.categories]
    rest = cadres.exclude(category__in=categories) if categories else cadres
    try:
        sql, rest_params = rest.order_by().values("id", "name").query.sql_with_params()
    except EmptyResultSet:
        sql = None
    if sql is not None:
        # Named, since this part is the whole SELECT on a day no rule is in force.
        parts.append(
            f"SELECT r.id AS id, r.name AS name, {NO_RULES} AS severity, 0.0 AS shortfall "
            f"FROM ({sql}) r"
        )
        params += rest_params
    return " UNION ALL ".join(parts), params


def _insert(using: str, as_of: dt.date, cadres, rule_sets, upsert: bool) -> int:
    """Write the standings of `cadres` on `as_of`; the number of rows written."""
    connection = connections[using]
    select, params = standings_sql(cadres, as_of, rule_sets)
    if not select:
        return 0
    table = connection.ops.quote_name(ComplianceStanding._meta.db_table)
    sql = (
        f"INSERT INTO {table} (as_of, cadre_id, name, severity, shortfall) "
        f"SELECT %s, u.id, u.name, u.severity, u.shortfall FROM ({select}) u WHERE 1 = 1"
    )
    if upsert:
        sql += (
            " ON CONFLICT (as_of, cadre_id) DO UPDATE SET name = excluded.name, "
            "severity = excluded.severity, shortfall = excluded.shortfall"
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, [connection.ops.adapt_datefield_value(as_of), *params])
        return cursor.rowcount


def _lock(using: str, mode: str) -> None:
    connection = connections[using]
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(ComplianceStanding._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {table} IN {mode} MODE")


def _counts(using: str, as_of: dt.date) -> tuple[int, int]:
    """(standings stored on as_of, cadres)."""
    stored = ComplianceStanding.objects.using(using).filter(as_of=as_of).count()
    return stored, Cadre.objects.using(using).count()


def recount(as_of: dt.date, using: str = "default") -> ComplianceDay:
    """Count every cadre's standing on `as_of` again, in one transaction (one
    INSERT … SELECT), and drop the days beyond today and the KEEP_DAYS counted last."""
    with transaction.atomic(using=using):
        _lock(using, "EXCLUSIVE")
        rule_sets = compliance.profiles(as_of)
        ComplianceStanding.objects.using(using).filter(as_of=as_of).delete()
        count = _insert(using, as_of, Cadre.objects.using(using).all(), rule_sets, False)
        day, _created = ComplianceDay.objects.using(using).update_or_create(
            as_of=as_of,
            defaults={
                "rules": fingerprint(rule_sets),
                "counted_at": timezone.now(),
                "cadres": count,
            },
        )
        _prune(using)
        record_event(
            actor=None,
            verb="compliance.recount",
            target=day,
            after={"as_of": as_of.isoformat(), "cadres": count},
        )
    return day


def ensure(as_of: dt.date, using: str = "default") -> str:
    """Make the stored `as_of` current: "fresh" when it was, "filled" when only cadres
    without a standing were counted (added since), "recounted" otherwise."""
    with transaction.atomic(using=using):
        _lock(using, "EXCLUSIVE")
        day = ComplianceDay.objects.using(using).filter(as_of=as_of).first()
        rule_sets = compliance.profiles(as_of)
        if day is None or day.rules != fingerprint(rule_sets):
            recount(as_of, using)
            return "recounted"
        stored, cadres = _counts(using, as_of)
        if stored == cadres:
            return "fresh"
        counted = ComplianceStanding.objects.using(using).filter(as_of=as_of).values("cadre_id")
        missing = Cadre.objects.using(using).exclude(pk__in=counted)
        added = _insert(using, as_of, missing, rule_sets, False)
        if stored + added != cadres:
            recount(as_of, using)
            return "recounted"
        day.cadres = cadres
        day.save(update_fields=["cadres"])
        record_event(
            actor=None,
            verb="compliance.fill",
            target=day,
            after={"as_of": as_of.isoformat(), "cadres": cadres, "added": added},
        )
        return "filled"


def _prune(using: str) -> None:
    days = ComplianceDay.objects.using(using)
    kept = list(days.order_by("-counted_at", "-as_of").values_list("as_of", flat=True)[:KEEP_DAYS])
    gone = days.exclude(as_of__in=[*kept, timezone.localdate()])
    dropped = list(gone.values_list("as_of", flat=True))
    if dropped:
        drop(dropped, using)


def drop(days: list[dt.date] | None = None, using: str = "default") -> None:
    """Forget the standings of `days` (all when None): recounted on their next read."""
    standings = ComplianceStanding.objects.using(using)
    stored = ComplianceDay.objects.using(using)
    if days is not None:
        standings, stored = standings.filter(as_of__in=days), stored.filter(as_of__in=days)
    standings.delete()
    stored.delete()


def stored_days(using: str = "default") -> list[tuple[dt.date, str]]:
    """The stored days and their rules' fingerprints. On PostgreSQL, the standings table
    is locked (ROW EXCLUSIVE) in the same statement, against a recount meanwhile."""
    connection = connections[using]
    day = connection.ops.quote_name(ComplianceDay._meta.db_table)
    sql = f"SELECT as_of, rules FROM {day}"
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(ComplianceStanding._meta.db_table)
        sql = f"LOCK TABLE {table} IN ROW EXCLUSIVE MODE; {sql}"
    with connection.cursor() as cursor:
        cursor.execute(sql)
        if connection.vendor == "postgresql":
            cursor.nextset()  # the SELECT's result, after the LOCK's
        rows = cursor.fetchall()
    return [(v if isinstance(v, dt.date) else dt.date.fromisoformat(v), r) for v, r in rows]


def refresh(cadre_ids, using: str = "default") -> None:
    """Evaluate `cadre_ids` again for every stored day whose rules are current (one
    upsert per day), in the caller's transaction; drop the days when they are many."""
    ids = sorted(set(cadre_ids))
    days = stored_days(using) if ids else []
    if not days:
        return
    if len(ids) > REFRESH_LIMIT:
        drop(None, using)
        return
    with transaction.atomic(using=using, savepoint=False):
        cadres = Cadre.objects.using(using).filter(pk__in=ids)
        if connections[using].vendor == "postgresql":
            list(cadres.order_by("pk").select_for_update(no_key=True).values_list("pk"))
        rules = list(IndicatorRule.objects.using(using).all())
        for as_of, stored_rules in days:
            rule_sets = compliance.profiles(as_of, _in_force(rules, as_of))
            if fingerprint(rule_sets) == stored_rules:  # else stale: recounted when read
                _insert(using, as_of, cadres, rule_sets, True)


def differences(as_of: dt.date, using: str = "default") -> list[int]:
    """The cadres whose stored standing on `as_of` differs from the live evaluation
    (severity, shortfall to 1e-9, name), or who have one of the two only."""
    cadres = Cadre.objects.using(using).all()
    select, params = standings_sql(cadres, as_of, compliance.profiles(as_of))
    live = {}
    if select:
        with connections[using].cursor() as cursor:
            cursor.execute(select, params)
            live = {pk: (name, severity, round(float(s), 9)) for pk, name, severity, s in cursor}
    rows = ComplianceStanding.objects.using(using).filter(as_of=as_of)
    stored = {
        pk: (name, severity, round(float(s), 9))
        for pk, name, severity, s in rows.values_list("cadre_id", "name", "severity", "shortfall")
    }
    return sorted(pk for pk in live.keys() | stored.keys() if live.get(pk) != stored.get(pk))


# The hooks (connected in LedgerConfig.ready).


def hours_counted(sender, cadre_ids, using="default", **kwargs) -> None:
    """Hours moved (`ledger.models.totals_moved`): the cadres' standings follow."""
    refresh(cadre_ids, using)


def cadres_changed(sender, cadre_ids, using="default", **kwargs) -> None:
    """Cadres registered, renamed or moved to another category
    (`org.signals.cadres_changed`)."""
    refresh(cadre_ids, using)


def rules_changed(using: str = "default") -> None:
    """An indicator rule was revised: every stored day is dropped (recounted on read)."""
    drop(None, using)
