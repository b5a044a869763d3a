import logging

import pytest
from django.contrib.auth import get_user_model
from viewflow.workflow.status import STATUS

from dispatch.models import Dispatch
from tests.flowtools import issue_roll_call, open_task, process_of
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


@pytest.fixture
def bob(world, client):
    client.force_login(world.bob)
    return client


@pytest.fixture
def root(db, client):
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(admin)
    return client


@pytest.fixture
def unclaimed(world, klass, client):
    """Cadre A's confirmation: status NEW, no owner (as an escalated overdue task is)."""
    issue_roll_call(client, world, klass, [world.cadre_a])
    task = open_task(process_of(Dispatch.objects.get(), "DispatchFlow"), "confirm")
    assert task.status == STATUS.NEW and task.owner is None
    return task
