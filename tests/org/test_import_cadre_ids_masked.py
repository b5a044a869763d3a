"""The cadre import's preview shows no ID number whole: not in a row's key, not in its
errors, however many digits it has (README: previews mask ID numbers); a short slip
("123") is shown as typed."""

import pytest

from imports.kinds import registry
from org import idnumber
from tests.dispatch import import_kit
from tests.factories import id_number

pytestmark = pytest.mark.usefixtures("media")

KIND = registry.get("cadres")


def _row(world, number):
    return {
        "id_number": number,
        "name": "赵喆",
        "unit": world.a.code,
        "category": "乡科级领导干部",
        "position": "科长",
    }


def test_a_wrong_id_number_is_masked_in_the_key_and_the_errors(world):
    good = id_number()
    wrong_check = good[:17] + ("1" if good[17] == "0" else "0")
    short = good[:17]
    batch = import_kit.preview(KIND, world.bob, [_row(world, wrong_check), _row(world, short)])
    for line, number in ((2, wrong_check), (3, short)):
        row = batch.rows.get(line=line)
        shown = " ".join([row.key, *row.errors])
        assert number not in shown, shown
        assert row.key == idnumber.mask(number)
        assert idnumber.mask(number) in " ".join(row.errors)
    assert "校验" in " ".join(batch.rows.get(line=2).errors)
    assert "17" in " ".join(batch.rows.get(line=3).errors)


def test_a_short_slip_is_shown_as_typed(world):
    batch = import_kit.preview(KIND, world.bob, [_row(world, "123")])
    row = batch.rows.get(line=2)
    assert row.key == "123" and "123" in row.errors[0]
