"""Tests whose fixed dates (a plan for 2027, a class in March 2027) were written for a day:
marked, they run as on that day whatever day the suite runs (`tests/conftest.py`,
`_clock`), instead of failing once the day has passed."""

import pytest

#: written in December 2026: the 2027 plan still to come, its classes in the future
DECEMBER_2026 = pytest.mark.dated("2026-12-07T02:00:00+00:00")
