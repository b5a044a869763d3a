import logging

import pytest

from tests.imports import testkind


@pytest.fixture
def import_kind():
    """The import pages' sample kind (tests/imports/testkind.py), registered meanwhile."""
    with testkind.registered():
        yield


@pytest.fixture
def quiet_refusals():
    """Thousands of refusals: Django's request log would print a traceback for each."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)
