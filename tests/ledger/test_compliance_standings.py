"""The stored compliance standings (ledger.standings): the report read from them equals
the live report — same rows, order, statuses, shortfalls and count — after every kind
of write that changes a standing; a day not current is read live and counted again."""

import datetime as dt
import threading
import time
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from audit.services import change
from ledger import compliance, standings
from ledger import services as ledger_services
from ledger.models import HourRecord, IndicatorRule
from ledger.report import StandingRows
from ledger.standing_models import ComplianceDay, ComplianceStanding
from org import selectors as org_selectors
from org import services as org_services
from org.models import Cadre
from tests.factories import cadre, credit, id_number, unit

AS_OF = dt.date(2026, 11, 30)


def shown(rows: list[dict]) -> list[tuple]:
    return [(r["cadre_id"], r["name"], r["status"], round(r["shortfall"], 9)) for r in rows]


def both(cadres=None, as_of=AS_OF, status=None, start=0, stop=100):
    """The rows [start, stop) and the count, live and from the stored standings."""
    cadres = Cadre.objects.all() if cadres is None else cadres
    live = compliance.ReportRows(cadres, as_of, None, status)
    stored = StandingRows(cadres, as_of, None, status)
    stored_rows = stored[start:stop]
    assert stored.stored, "the page was not read from the stored standings"
    return (shown(live[start:stop]), live.count()), (shown(stored_rows), stored.count())


def assert_same(**kwargs):
    live, stored = both(**kwargs)
    assert stored == live
    assert standings.differences(kwargs.get("as_of", AS_OF)) == []
    return stored[0]


@pytest.fixture
def people(world):
    """Group B clerks with 0–88 hours this year, one group A leader."""
    made = []
    for i in range(12):
        person = cadre(f"科员{i:02d}", world.a1, world.city_od, category="civil_servant")
        credit(person, i * 8, dt.date(2026, 3, 1))
        made.append(person)
    made.append(cadre("甲领导", world.a, world.city_od, category="county_leader"))
    standings.recount(AS_OF)
    return made


def standing_of(person, as_of=AS_OF):
    return ComplianceStanding.objects.get(as_of=as_of, cadre=person)


def test_the_recount_stores_what_the_live_report_shows(world, people):
    rows = assert_same()
    assert len(rows) == 16  # the 13 and the world's three
    assert [s for _id, _n, s, _f in rows][:3] == ["short"] * 3
    assert assert_same(status="at_risk") and assert_same(status="met") == []
    assert assert_same(start=5, stop=10) == both()[0][0][5:10]
    # Every cadre has a row, those no rule applies to too (none here): 16 cadres.
    assert ComplianceDay.objects.get(as_of=AS_OF).cadres == Cadre.objects.count() == 16


def test_the_stored_report_keeps_the_jurisdiction(world, people):
    for user in (world.alice, world.charlie, world.carol, world.dave, world.bob):
        assert_same(cadres=org_selectors.cadres_in_reach(user))
    assert assert_same(cadres=Cadre.objects.none()) == []
    unit = org_selectors.cadres_in_reach(world.bob).filter(unit__path__startswith=world.b.path)
    assert [name for _i, name, _s, _f in assert_same(cadres=unit)] == ["张喆"]


def test_a_record_created_moves_the_standing_in_its_transaction(world, people):
    clerk = people[0]
    before = standing_of(clerk)
    credit(clerk, 90, dt.date(2026, 5, 1))
    after = standing_of(clerk)
    assert (before.severity, after.severity) == (0, 3) and after.shortfall == 0.0
    assert_same()
    # Pending hours do not count; once decided, they do.
    record = credit(people[1], 82, dt.date(2026, 6, 1), status="pending")
    assert standing_of(people[1]).severity == 0
    record.status = "recognized"
    record.save()
    assert standing_of(people[1]).severity == 3
    assert_same()


def test_a_correction_an_update_and_a_bulk_import_move_the_standings(world, people):
    record = HourRecord.objects.filter(cadre=people[11]).get()  # 88 hours: at risk
    change(actor=None, instance=record, verb="hours.correct", hours=Decimal("2"))
    assert standing_of(people[11]).severity == 0
    assert_same()
    HourRecord.objects.filter(cadre__in=people[5:8]).update(date=dt.date(2025, 3, 1))
    assert {standing_of(p).severity for p in people[5:8]} == {0}
    assert_same()
    HourRecord.objects.bulk_create(
        HourRecord(
            cadre=p,
            date=dt.date(2026, 7, 1),
            hours=Decimal("90"),
            kind="concentrated",
            source="online_import",
            source_key=f"bulk:{p.pk}",
        )
        for p in people[:4]
    )
    assert {standing_of(p).severity for p in people[:4]} == {3}
    assert_same()


def test_a_write_touching_many_cadres_drops_the_days_which_are_read_live(
    world, people, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(standings, "REFRESH_LIMIT", 3)
    HourRecord.objects.filter(cadre__in=people[:6]).update(date=dt.date(2025, 3, 1))
    assert not ComplianceDay.objects.exists() and not ComplianceStanding.objects.exists()
    with django_capture_on_commit_callbacks(execute=True) as queued:
        rows = StandingRows(Cadre.objects.all(), AS_OF)
        live = shown(rows[0:100])
    assert rows.stored is False and len(queued) == 1  # live, and its recount queued
    assert live == shown(compliance.ReportRows(Cadre.objects.all(), AS_OF)[0:100])
    assert ComplianceDay.objects.filter(as_of=AS_OF).exists()
    assert_same()


def test_a_rule_version_drops_the_days_and_an_edit_makes_them_stale(
    world, people, django_capture_on_commit_callbacks
):
    rule = IndicatorRule.objects.get(group="B", kind="concentrated", effective_to__isnull=True)
    ledger_services.rule_revise(
        actor=None, rule=rule, effective_from=dt.date(2026, 6, 1), min_hours=Decimal("40")
    )
    assert not ComplianceDay.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        StandingRows(Cadre.objects.all(), AS_OF).count()
    rows = assert_same()
    assert sum(1 for _i, _n, s, _f in rows if s == "met") == 7  # 40 hours or more now
    # A rule edited in place (the admin) leaves the day's fingerprint behind: read live.
    IndicatorRule.objects.filter(min_hours=Decimal("40")).update(min_hours=Decimal("50"))
    stale = StandingRows(Cadre.objects.all(), AS_OF)
    with django_capture_on_commit_callbacks(execute=True):
        stale_rows = shown(stale[0:100])
    assert stale.stored is False
    assert stale_rows == shown(compliance.ReportRows(Cadre.objects.all(), AS_OF)[0:100])
    assert standings.ensure(AS_OF) == "fresh"  # the queued recount made it current
    assert sum(1 for _i, _n, s, _f in assert_same() if s == "met") == 5


def test_a_cadre_saved_with_another_category_or_name_or_registered_moves_the_standing(
    world, people
):
    clerk = people[10]  # 80 hours: at risk in group B
    assert standing_of(clerk).severity == 1
    clerk.category = "county_leader"  # group A: needs other hours
    clerk.name = "改名"
    org_services.cadre_save(actor=None, cadre=clerk)
    moved = standing_of(clerk)
    assert (moved.severity, moved.name) == (0, "改名")
    new = Cadre(
        name="新人",
        gender="M",
        id_number=id_number(),
        unit=world.a1,
        position="科员",
        category="civil_servant",
        managing_org_department=world.city_od,
    )
    org_services.cadre_save(actor=None, cadre=new)
    assert standing_of(new).severity == 0
    assert_same()


def test_a_cadre_added_without_the_hook_is_seen_missing_and_filled_in(world, people):
    added = cadre("绕过者", world.a1, world.city_od)  # Cadre.save, as a seed would
    rows = StandingRows(Cadre.objects.all(), AS_OF)
    assert "绕过者" in [r["name"] for r in rows[0:100]] and rows.stored is False
    assert standings.ensure(AS_OF) == "filled"
    assert standing_of(added).severity == 0
    assert_same()


def test_the_page_reads_the_standings_in_as_many_queries_for_one_row_as_for_fifty(
    world, login, django_assert_max_num_queries
):
    one, fifty = unit("一人科", world.a), unit("五十人科", world.a)
    credit(cadre("独一", one, world.city_od), 10, dt.date(2026, 3, 1))
    for i in range(50):
        credit(cadre(f"干部{i:02d}", fifty, world.city_od), i, dt.date(2026, 3, 1))
    standings.recount(AS_OF)
    client = login(world.alice)  # unit A: its cadres, the co-managed ones
    client.get("/compliance/")  # the session's first request saves it
    counts = []
    for place, size in ((one, 1), (fifty, 50)):
        # Session, user, reach, the unit, rules, the page with its count and the day's
        # check, its evaluation (two sets of rules), unit names, menu and inbox.
        with django_assert_max_num_queries(11) as queries:
            page = client.get(f"/compliance/?as_of={AS_OF.isoformat()}&unit={place.pk}")
        rows = page.context["page"]
        assert rows.paginator.object_list.stored and len(rows) == size
        counts.append(len(queries))
    assert counts[0] == counts[1]
    url = f"/compliance/?as_of={AS_OF.isoformat()}"
    assert login(world.nobody).get(url).status_code == 403
    assert login(world.charlie).get(f"{url}&unit={world.a.pk}").status_code == 404
    assert "张喆" in login(world.charlie).get(url).content.decode()
    assert "王堃" not in login(world.charlie).get(url).content.decode()


def test_the_page_of_a_day_not_stored_is_read_live_and_counted_after(
    world, login, people, django_capture_on_commit_callbacks
):
    client = login(world.bob)
    url = f"/compliance/?as_of=2026-12-31&unit={world.a1.pk}"
    with django_capture_on_commit_callbacks(execute=True) as queued:
        cold = client.get(url)
    assert cold.context["page"].paginator.object_list.stored is False and len(queued) == 1
    warm = client.get(url)
    assert warm.context["page"].paginator.object_list.stored
    assert [r["cadre_id"] for r in warm.context["page"]] == [
        r["cadre_id"] for r in cold.context["page"]
    ]
    # A report with a `since` is always live.
    since = client.get(url + "&since=2026-02-01")
    assert since.context["page"].paginator.object_list.stored is False


def test_only_today_and_the_days_counted_last_are_kept(world, people):
    for day in range(1, 7):
        standings.recount(dt.date(2026, 1, day))
    kept = set(ComplianceDay.objects.values_list("as_of", flat=True))
    assert kept == {dt.date(2026, 1, day) for day in (4, 5, 6)}
    assert set(ComplianceStanding.objects.values_list("as_of", flat=True)) == kept


def test_the_command_counts_a_day_and_its_check_finds_a_drifted_standing(world, people, capsys):
    call_command("recount_compliance", "--as-of", "2026-12-31")
    call_command("recount_compliance", "--as-of", "2026-12-31", "--check")
    assert "0 differ" in capsys.readouterr().out
    ComplianceStanding.objects.filter(as_of=dt.date(2026, 12, 31), cadre=people[3]).update(
        shortfall=0.5
    )
    with pytest.raises(SystemExit) as exited:
        call_command("recount_compliance", "--as-of", "2026-12-31", "--check")
    assert exited.value.code == 1 and "1 differ" in capsys.readouterr().out


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="races need PostgreSQL's locks; SQLite serialises every writer",
)
@pytest.mark.django_db(transaction=True)
def test_writers_racing_on_one_cadre_and_a_recount_leave_the_standings_current():
    """Writers of two kinds (no total in common) credit one cadre while a new day is
    counted: every stored day equals the live evaluation afterwards."""
    import importlib

    from django.apps import apps

    from tests.factories import World

    defaults = importlib.import_module("ledger.migrations.0002_default_indicator_rules")
    defaults.load(apps, None)  # a flush by an earlier transactional test took them
    world = World()
    person = world.cadre_a
    standings.recount(AS_OF)
    barrier = threading.Barrier(7)
    errors = []

    def write(n):
        try:
            barrier.wait(timeout=30)
            with transaction.atomic():
                kind = "online" if n % 2 else "concentrated"
                credit(person, 30 + n, dt.date(2026, n, 1), kind=kind)
                time.sleep(0.05)  # hold the locks while the others arrive
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    def count():
        try:
            barrier.wait(timeout=30)
            standings.recount(dt.date(2026, 12, 31))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(1, 7)]
    threads.append(threading.Thread(target=count))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert standings.differences(AS_OF) == []
    assert standings.differences(dt.date(2026, 12, 31)) == []
    assert standing_of(person).severity == 3  # 102 hours of concentrated training


def test_the_nightly_task_counts_today_so_its_first_report_is_stored(world, people):
    from django.utils import timezone

    from ledger.tasks import recount_compliance

    today = timezone.localdate()
    assert not ComplianceDay.objects.filter(as_of=today).exists()
    assert recount_compliance.apply().get() == "recounted"
    assert ComplianceDay.objects.filter(as_of=today).exists()
    both(as_of=today)  # read from the standings, equal to the live report
    assert recount_compliance.apply().get() == "fresh"
