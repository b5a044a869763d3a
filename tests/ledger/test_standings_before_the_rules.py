"""The stored standings of a day before any indicator rule is in force (the default
rules start on 2023-01-01): every cadre counted as one no rule applies to, by the
service and by `manage.py recount_compliance`, and the report of that day is empty."""

import datetime as dt

from django.core.management import call_command

from ledger import compliance, standings
from ledger.report import StandingRows
from ledger.standing_models import NO_RULES, ComplianceDay, ComplianceStanding
from org.models import Cadre
from tests.factories import cadre, credit

BEFORE = dt.date(2020, 1, 1)


def test_a_recount_before_the_rules_counts_every_cadre_without_rules(world):
    credit(cadre("早干部", world.a1, world.city_od, category="civil_servant"), 8, BEFORE)
    assert compliance.profiles(BEFORE) == []
    day = standings.recount(BEFORE)
    assert day.cadres == Cadre.objects.count() > 0
    stored = ComplianceStanding.objects.filter(as_of=BEFORE)
    assert set(stored.values_list("severity", flat=True)) == {NO_RULES}
    assert set(stored.values_list("shortfall", flat=True)) == {0.0}
    assert standings.differences(BEFORE) == []
    assert standings.ensure(BEFORE) == "fresh"
    rows = StandingRows(Cadre.objects.all(), BEFORE)
    assert rows[0:100] == [] and rows.count() == 0


def test_the_command_counts_and_checks_a_day_before_the_rules(world, capsys):
    call_command("recount_compliance", "--as-of", "2020-01-01")
    assert f"{Cadre.objects.count()} standings counted" in capsys.readouterr().out
    assert ComplianceDay.objects.get(as_of=BEFORE).cadres == Cadre.objects.count()
    call_command("recount_compliance", "--as-of", "2020-01-01", "--check")
    assert "0 differ" in capsys.readouterr().out


def test_the_report_of_a_day_before_the_rules_is_an_empty_page(world, login):
    response = login(world.alice).get("/compliance/?as_of=2020-01-01")
    assert response.status_code == 200 and not list(response.context["page"])
