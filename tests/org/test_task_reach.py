"""Whose queue holds a task: the short predicate of `org.selectors.task_reach` (grants read
once a request) selects exactly the tasks that the former statement — a subquery per
permission and grant table, 25 SELECTs — selected, on a varied world; and a change of
grant or delegation is seen by the next request (and by the rest of the request that made
it)."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.db.models import CharField, Exists, F, OuterRef, Q
from django.db.models.functions import Cast
from django.db.models.lookups import StartsWith
from django.utils import timezone
from guardian.shortcuts import assign_perm
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS

from dispatch.flows import DispatchFlow
from dispatch.models import Dispatch
from org import reachcache, services
from org import selectors as org_selectors
from org.models import Delegation, Unit, UnitGroupObjectPermission, UnitUserObjectPermission
from org.roles import NON_INHERITED, ROLE_PERMISSIONS
from tests.factories import unit, user
from tests.flowtools import issue_roll_call, open_task, process_of, task_url
from workflow.models import ScopedTask


def _today() -> dt.date:
    """Today, read when asked: a constant read when the module is collected goes stale
    if the run passes midnight."""
    return dt.date.today()


CODENAMES = sorted({c for perms in ROLE_PERMISSIONS.values() for c in perms})


# -- the former statement, kept here as the reference ---------------------------------------


def legacy_units_in_reach(user, perm):
    if not user.is_authenticated or not user.is_active:
        return Unit.objects.none()
    if user.is_superuser:
        return Unit.objects.all()
    today = timezone.localdate()
    delegators = Delegation.objects.filter(
        delegate=user,
        permission=f"org.{perm}",
        revoked=False,
        starts_on__lte=today,
        ends_on__gte=today,
    ).values("delegator")

    def grants(model, who):
        return model.objects.filter(
            who, permission__codename=perm, permission__content_type__app_label="org"
        )

    user_grants = grants(UnitUserObjectPermission, Q(user=user) | Q(user__in=delegators))
    group_grants = grants(UnitGroupObjectPermission, Q(group__user=user))
    if perm in NON_INHERITED:
        return Unit.objects.filter(
            Q(pk__in=user_grants.values("content_object"))
            | Q(pk__in=group_grants.values("content_object"))
        )

    def covers(grants):
        return Exists(grants.filter(StartsWith(OuterRef("path"), F("content_object__path"))))

    return Unit.objects.filter(covers(user_grants) | covers(group_grants))


def legacy_task_reach(user):
    condition = Q(pk__in=[])
    for codename in CODENAMES:
        scope_pks = (
            legacy_units_in_reach(user, codename)
            .annotate(pk_text=Cast("pk", output_field=CharField()))
            .values("pk_text")
        )
        condition |= Q(owner_permission=f"org.{codename}", owner_permission_obj_pk__in=scope_pks)
    return condition


# -- a varied world ---------------------------------------------------------------------------


@pytest.fixture
def varied(world, staff):
    """Besides the world's people: a deputy of A with a running delegation, one whose
    delegation was revoked, one whose delegation starts tomorrow; someone with two scopes
    (head of A1, liaison of B); a group holding a grant; a head on a unit and on a unit
    below it; an inactive dispatcher; a superuser. And one open task for every permission
    on every unit (plus a few of other permissions and without a scope)."""
    a2 = unit("规划科", world.a)
    running = user("a.deputy", "deputy_head", world.a)
    revoked = user("a.deputy2", "deputy_head", world.a)
    future = user("a.deputy3", "deputy_head", world.a)
    services.delegation_create(
        actor=world.alice,
        delegate=running,
        starts_on=_today(),
        ends_on=_today() + dt.timedelta(days=3),
    )
    gone = services.delegation_create(
        actor=world.alice,
        delegate=revoked,
        starts_on=_today(),
        ends_on=_today() + dt.timedelta(days=3),
    )
    services.delegation_revoke(actor=world.alice, delegation=gone)
    services.delegation_create(
        actor=world.alice,
        delegate=future,
        starts_on=_today() + dt.timedelta(days=1),
        ends_on=_today() + dt.timedelta(days=3),
    )
    dual = user("dual", "department_head", world.a1)
    services.role_grant(actor=None, user=dual, role="unit_liaison", unit=world.b)
    grouped = user("grouped")
    team = Group.objects.create(name="county-approvers")
    team.user_set.add(grouped)
    assign_perm("org.approve_as_org_department", team, world.county)
    assign_perm("org.issue_dispatch", team, world.b)
    nested = user("nested", "department_head", world.a)
    services.role_grant(actor=None, user=nested, role="department_head", unit=world.a1)
    services.role_grant(actor=None, user=nested, role="org_head", unit=world.a1)
    inactive = user("inactive", "dispatcher", world.root, is_active=False)
    root = user("root", is_superuser=True)

    process = Process.objects.create(flow_class=DispatchFlow)
    units = list(Unit.objects.all()) + [a2]
    tasks = [
        Task(
            process=process,
            flow_task=DispatchFlow.confirm,
            flow_task_type="HUMAN",
            status=STATUS.NEW,
            owner_permission=f"org.{codename}",
            owner_permission_obj_pk=str(u.pk),
        )
        for u in units
        for codename in [*CODENAMES, "add_unit"]
    ]
    tasks.append(Task(process=process, flow_task=DispatchFlow.confirm, flow_task_type="HUMAN"))
    Task.objects.bulk_create(tasks)
    people = [
        world.alice, world.bob, world.carol, world.charlie, world.dave, world.rita,
        world.nobody, staff.lily, staff.luke, staff.oscar, staff.olga,
        running, revoked, future, dual, grouped, nested, inactive, root,
    ]  # fmt: skip
    return people


def test_the_task_filter_selects_what_the_former_statement_selected(varied):
    everything = Task.objects.count()
    for person in varied:
        with reachcache.scope():
            new = set(Task.objects.filter(org_selectors.task_reach(person)).values_list("pk"))
        old = set(Task.objects.filter(legacy_task_reach(person)).values_list("pk"))
        assert new == old, person.username
        assert len(new) < everything or person.is_superuser
    # the reach is not empty for everyone: the comparison compares something
    assert (
        sum(bool(Task.objects.filter(org_selectors.task_reach(p)).exists()) for p in varied)
        >= len(varied) - 5
    )


def test_units_in_reach_are_the_former_units(varied):
    for person in varied:
        for codename in [*CODENAMES, "add_unit"]:
            new = set(org_selectors.units_in_reach(person, codename))
            assert new == set(legacy_units_in_reach(person, codename)), (person, codename)


def test_the_task_filter_is_short_and_the_grants_are_read_once(
    varied, world, django_assert_num_queries
):
    with reachcache.scope():
        with django_assert_num_queries(2):  # the grants, then the queue
            list(ScopedTask.objects.user_queue(world.alice))
        with django_assert_num_queries(1):  # the same request asks again
            list(ScopedTask.objects.user_queue(world.alice))
        sql = str(ScopedTask.objects.user_queue(world.alice).query)
    assert sql.upper().count("SELECT") <= 3  # the queue and a range of units per scope
    assert len(sql) < 2000  # it was 9,240 characters


# -- a change is seen -------------------------------------------------------------------------


def test_a_new_grant_is_seen_on_the_next_request(world, klass, client):
    issue_roll_call(client, world, klass, [world.cadre_a])
    task = open_task(process_of(Dispatch.objects.get(), "DispatchFlow"), "confirm")
    newcomer = user("newcomer")
    client.force_login(newcomer)
    link = f'href="{task_url(task, "assign")}"'
    assert link not in client.get("/tasks/").content.decode()
    services.role_grant(actor=None, user=newcomer, role="unit_liaison", unit=world.a)
    assert link in client.get("/tasks/").content.decode()
    services.role_revoke(actor=None, user=newcomer, role="unit_liaison", unit=world.a)
    assert link not in client.get("/tasks/").content.decode()


def test_a_change_is_seen_by_the_rest_of_the_request_that_made_it(world, staff):
    deputy = user("a.deputy", "deputy_head", world.a)
    process = Process.objects.create(flow_class=DispatchFlow)
    Task.objects.create(
        process=process,
        flow_task=DispatchFlow.confirm,
        flow_task_type="HUMAN",
        owner_permission="org.approve_as_head",
        owner_permission_obj_pk=str(world.a1.pk),
    )

    def queue(person):
        return ScopedTask.objects.user_queue(person).count()

    with reachcache.scope():
        assert queue(deputy) == 0 and not deputy.has_perm("org.approve_as_head", world.a1)
        delegation = services.delegation_create(
            actor=world.alice, delegate=deputy, starts_on=_today(), ends_on=_today()
        )
        deputy = type(deputy).objects.get(pk=deputy.pk)  # Django's own per-object cache
        assert queue(deputy) == 1 and deputy.has_perm("org.approve_as_head", world.a1)
        services.delegation_revoke(actor=world.alice, delegation=delegation)
        deputy = type(deputy).objects.get(pk=deputy.pk)
        assert queue(deputy) == 0 and not deputy.has_perm("org.approve_as_head", world.a1)
        assert queue(staff.lily) == 0
        services.role_grant(actor=None, user=staff.lily, role="department_head", unit=world.a)
        assert queue(staff.lily) == 1
        world.a1.parent = world.b  # moved out of A: the head of A no longer reaches it
        services.unit_save(actor=None, unit=world.a1)
        assert queue(staff.lily) == 0
