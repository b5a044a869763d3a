"""Cadres of the two indicator groups, for the compliance tests."""

import pytest

from tests.factories import cadre


@pytest.fixture
def leader(world):  # group A
    return cadre("甲领导", world.a, world.city_od, category="county_leader")


@pytest.fixture
def clerk(world):  # group B
    return cadre("乙科员", world.a, world.city_od, category="civil_servant")
