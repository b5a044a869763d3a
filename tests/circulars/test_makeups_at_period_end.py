"""A circular's makeup figures are those "截至" its period's end: a makeup is owed if it was
owed then and not yet done then, and overdue if its due date had passed by then —
whatever happened to it since (escalated after the period, attended after the period)."""

import datetime as dt

from dispatch.models import Dispatch, DispatchKind, DispatchStatus, MakeupStatus
from tests.circulars.kit import dispatch_row, issue_circular, makeup_row, pdf_text, start_circular
from tests.factories import aware, cadre, training_class

OCT_NOV = (dt.date(2026, 10, 1), dt.date(2026, 11, 30))


def missed_in_october(world, name):
    """A cadre of 某市发展和改革委员会 absent from a class in October: the dispatch."""
    klass = training_class(world.city_od, world.school, dt.date(2026, 10, 12), name=f"{name}班")
    return dispatch_row(world, klass, cadre(name, world.a, world.city_od), DispatchStatus.ABSENT)


def made_up(world, makeup, start, days=3):
    """The makeup attended in a class from `start` (it ends `days` later, less one)."""
    klass = training_class(world.city_od, world.school, start, days=days)
    Dispatch.objects.create(
        training_class=klass,
        cadre=makeup.cadre,
        unit=makeup.cadre.unit,
        kind=DispatchKind.MAKEUP,
        makes_up=makeup,
        status=DispatchStatus.ATTENDED,
        confirm_due=aware(start - dt.timedelta(days=3)),
    )
    makeup.status = MakeupStatus.ATTENDED
    makeup.save(update_fields=["status"])
    return klass


def test_a_makeup_due_after_the_period_is_not_overdue_in_it_though_escalated_since(
    world, staff, client
):
    # Due 1 December and escalated on the 2nd: in the circular for October and
    # November it is owed, not overdue — its due date had not passed on 30 November.
    makeup_row(
        missed_in_october(world, "赵甲"),
        due=dt.date(2026, 12, 1),
        owed_on=dt.date(2026, 10, 14),
        escalated=True,
    )
    circular = start_circular(client, world, *OCT_NOV)
    totals = circular.figures["totals"]
    assert (totals["makeup_owed"], totals["makeup_overdue"]) == (1, 0)
    assert circular.figures["overdue_makeups"] == []
    text = pdf_text(issue_circular(client, world, staff, circular))
    assert "赵甲" in text  # absent in October
    assert "补训逾期" not in text


def test_a_makeup_done_after_the_period_was_still_owed_and_overdue_at_its_end(world, client):
    late = makeup_row(
        missed_in_october(world, "钱乙"), due=dt.date(2026, 11, 15), owed_on=dt.date(2026, 10, 14)
    )
    made_up(world, late, dt.date(2026, 12, 1))  # ended on 3 December: after the period
    on_time = makeup_row(
        missed_in_october(world, "孙丙"), due=dt.date(2026, 11, 15), owed_on=dt.date(2026, 10, 14)
    )
    made_up(world, on_time, dt.date(2026, 11, 9))  # done before its due date
    last_day = makeup_row(
        missed_in_october(world, "李丁"), due=dt.date(2026, 11, 15), owed_on=dt.date(2026, 10, 14)
    )
    made_up(world, last_day, dt.date(2026, 11, 28))  # ended on 30 November: done by then

    circular = start_circular(client, world, *OCT_NOV)
    totals = circular.figures["totals"]
    assert (totals["makeup_owed"], totals["makeup_overdue"]) == (1, 1)
    assert [m["name"] for m in circular.figures["overdue_makeups"]] == ["钱乙"]
    # The same makeup, in a circular for December: done by then, owed no longer.
    december = start_circular(client, world, dt.date(2026, 12, 1), dt.date(2026, 12, 3))
    assert december.figures["totals"]["makeup_owed"] == 0
    assert december.figures["overdue_makeups"] == []
