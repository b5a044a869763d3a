"""Row locks on cadres: the one lock that holds the invariants concurrency could break."""

from django.db import transaction

from org.models import Cadre


def lock_cadres(cadres) -> None:
    """Lock the cadres' rows (cadres or their keys), in key order, until the transaction ends.

    Every write that checks a cadre's other bookings or hours before it commits takes it
    first: each path that gives a cadre a live dispatch (a named roll call, an accepted
    nomination, a scheduled makeup, a filing), so two of them cannot both find a cadre
    free and both commit a dispatch to overlapping classes, and each hour import's commit,
    so two imports cannot both find a day under 24 hours. The second waits, then sees
    the first's rows. Taken before any class row (`seats_left`), always in key order, so
    the paths cannot deadlock one another."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock_cadres() must run inside the transaction it protects.")
    pks = sorted({getattr(cadre, "pk", cadre) for cadre in cadres})
    for start in range(0, len(pks), 5000):
        batch = pks[start : start + 5000]
        list(
            Cadre.objects.select_for_update().filter(pk__in=batch).order_by("pk").values_list("pk")
        )
