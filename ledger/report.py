"""The compliance report's rows read from the stored standings (`ledger.standings`).

One query gives the page — a range of the index (as_of, severity, shortfall DESC, name,
cadre) within the reach — with the count and what tells whether the day is current (its
rules' fingerprint, its rows against the cadres); only the page's cadres are then
evaluated in full, as on the live path. A day not stored, or stale, is read live
(`compliance.ReportRows`) and its recount queued; so is every report with a `since`."""

from django.core.exceptions import EmptyResultSet
from django.db import connections

from ledger import compliance, standings, tasks
from ledger.standing_models import NO_RULES, ComplianceDay, ComplianceStanding
from org.models import Cadre


class StandingRows(compliance.ReportRows):
    """`compliance.ReportRows` (same rows, same order, same count) from the stored
    standings when they are current. `stored` says which path the last read took."""

    stored: bool | None = None  # whether the last read was answered from the standings

    def _reach(self) -> tuple[str, list] | None:
        """The SQL of the ids of the cadres in reach, as the live path's `cadres`
        queryset says; None when every cadre is."""
        if not self.cadres.query.where:
            return None
        sql, params = self.cadres.order_by().values("pk").query.sql_with_params()
        return sql, list(params)

    def _read(self, start: int, stop: int) -> list[tuple[int, float]] | None:
        """The ids and shortfalls of rows [start, stop) from the stored standings, and
        the count; None when the day is not stored or not current."""
        connection = connections[self.cadres.db]
        quote = connection.ops.quote_name
        table = quote(ComplianceStanding._meta.db_table)
        day, cadre = quote(ComplianceDay._meta.db_table), quote(Cadre._meta.db_table)
        as_of = connection.ops.adapt_datefield_value(self.as_of)
        try:
            reach = self._reach()
        except EmptyResultSet:  # e.g. Cadre.objects.none(): nothing to read
            self._total, self.stored = 0, True
            return []
        in_reach, reach_params = (
            (f" AND s.cadre_id IN ({reach[0]})", reach[1]) if reach else ("", [])
        )
        if self.status:
            where, params = "s.as_of = %s AND s.severity = %s", [compliance.SEVERITY[self.status]]
        else:
            where, params = "s.as_of = %s AND s.severity < %s", [NO_RULES]
        where += in_reach
        params = [as_of, *params, *reach_params]
        count, count_params = f"SELECT COUNT(*) FROM {table} s WHERE {where}", params
        if reach and not self.status:
            # The cadres in reach less those no rule applies to (seldom any: that range
            # of the index is empty and the reach not probed): one pass over the reach
            # (an index of the cadres), not a probe of it per standing.
            count = (
                f"SELECT (SELECT COUNT(*) FROM ({reach[0]}) c) - (SELECT COUNT(*) FROM "
                f"{table} s WHERE s.as_of = %s AND s.severity = %s{in_reach})"
            )
            count_params = [*reach_params, as_of, NO_RULES, *reach_params]
        # The day's check and the count once (a derived table of one row), then the
        # page: a range of the index (as_of, severity, shortfall DESC, name, cadre).
        sql = (
            "SELECT h.rules, h.stored, h.cadres, h.total, p.cadre_id, p.shortfall FROM ("
            f"SELECT d.rules, (SELECT COUNT(*) FROM {table} a WHERE a.as_of = %s) AS stored, "
            f"(SELECT COUNT(*) FROM {cadre}) AS cadres, "
            f"({count}) AS total "
            f"FROM {day} d WHERE d.as_of = %s) h LEFT JOIN ("
            f"SELECT s.cadre_id, s.shortfall, s.severity, s.name FROM {table} s WHERE {where} "
            "ORDER BY s.severity, s.shortfall DESC, s.name, s.cadre_id LIMIT %s OFFSET %s"
            ") p ON 1 = 1 ORDER BY p.severity, p.shortfall DESC, p.name, p.cadre_id"
        )
        limits = [max(stop - start, 0), start]
        fetched = self._fetch(sql, [as_of, *count_params, as_of, *params, *limits])
        if not fetched:
            return None
        rules, stored, cadres, total = fetched[0][:4]
        if stored != cadres or rules != standings.fingerprint(self.profiles):
            return None
        self._total = total
        return [(pk, shortfall) for *_d, pk, shortfall in fetched if pk is not None]

    def _stored_path(self) -> bool:
        """Whether the stored standings may answer (no `since`; some rules in force)."""
        return self.since is None and bool(self.profiles)

    def _ranked(self, start: int, stop: int) -> list[tuple[int, float]]:
        ranked = self._read(start, stop) if self._stored_path() else None
        self.stored = ranked is not None
        if ranked is not None:
            return ranked
        if self._stored_path():
            tasks.queue_recount(self.as_of)
        return super()._ranked(start, stop)

    def count(self) -> int:
        if self._total is None and self._stored_path():
            self.stored = self._read(0, 0) is not None
            if not self.stored:
                tasks.queue_recount(self.as_of)
        return super().count()
