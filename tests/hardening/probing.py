"""The probing of the permission matrix (see test_permission_matrix.py): the routes of
config.urls, the world with a sample object for each, one signed-in client per role, and
`probe_matrix`, which probes one share of the routes and returns what is off the matrix,
so that the probing runs as two test modules (two CI workers share it)."""

import copy
import datetime as dt
import re
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client, TestCase
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from viewflow.workflow.models import Process, Task

from audit.models import AuditEvent
from circulars.models import Circular, CircularStatus
from dispatch.models import Dispatch, Makeup
from imports.models import ImportBatch
from ledger.models import HourImport
from notifications.models import Event, IssuedDocument, Notification
from notifications.services import notify
from tests.factories import cadre, training_class, user
from tests.flowtools import (
    FLOW_APPS,
    Staff,
    act,
    circular_start,
    deadline,
    filing_data,
    open_task,
    post_roll_call,
    process_of,
    recognition_post,
    request,
    run_to_absence,
)
from tests.hardening import admin_routes
from tests.hardening import route_matrix as matrix
from tests.imports import testkind

# -- the routes ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    pattern: str  # the full pattern, e.g. "cadres/<int:pk>/"
    name: str | None  # namespaced, e.g. "dispatch:confirm:execute"


def all_routes() -> list[Route]:
    found = []

    def walk(resolver, prefix, namespace):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                inner = namespace + (f"{entry.namespace}:" if entry.namespace else "")
                walk(entry, prefix + str(entry.pattern), inner)
            elif isinstance(entry, URLPattern):
                name = f"{namespace}{entry.name}" if entry.name else None
                found.append(Route(prefix + str(entry.pattern), name))

    walk(get_resolver(), "", "")
    return [r for r in found if not r.pattern.startswith(matrix.COVERED_ELSEWHERE)]


def node_key(key):
    """(app, node) for an UNSAMPLED key naming a flow's node ("app:node"), else None."""
    app, _, node = key.partition(":")
    return (app, node) if app in matrix.FLOW_NODES and node in matrix.FLOW_NODES[app] else None


def _unsampled_key(route):
    flow = matrix.flow_route(route.pattern)
    return f"{flow[0]}:{flow[1]}" if flow and flow[1] else route.name or route.pattern


# -- the world -----------------------------------------------------------------------------


def build_world(world, client):
    """Two sides: the city (unit A, the city's classes) and the county (unit B, a county
    class); one real process of each flow where the flow has a sample; the users of
    every role. Returns (users by role, samples by side)."""
    staff = Staff(world)
    dan = user("dan", "deputy_head", world.a)
    audrey = user("audrey", "auditor", world.root)
    users = {
        matrix.ANONYMOUS: None,
        matrix.TRAINEE: world.dave,
        matrix.LIAISON: staff.lily,
        matrix.HEAD: world.alice,
        matrix.DEPUTY: dan,
        matrix.REGISTRAR: world.rita,
        matrix.CITY_DISPATCHER: world.bob,
        matrix.COUNTY_DISPATCHER: world.carol,
        matrix.ORG_HEAD: staff.oscar,
        matrix.AUDITOR: audrey,
    }
    today = dt.date.today()

    # The city: a named roll call (one dispatch waits for 签收, one for leave approval),
    # a quota roll call, a filing, an hour recognition, a makeup, a circular, an import.
    city_class = training_class(world.city_od, world.school, today + dt.timedelta(days=30))
    client.force_login(world.bob)
    assert post_roll_call(client, city_class, [world.cadre_a, world.cadre_a1]).status_code == 302
    d_a = Dispatch.objects.get(cadre=world.cadre_a)
    d_a1 = Dispatch.objects.get(cadre=world.cadre_a1)
    client.force_login(staff.lily)
    act(client, open_task(process_of(d_a, "DispatchFlow"), "confirm"), {"action": "confirm"})
    request(client, staff.lily, process_of(d_a1, "DispatchFlow"), "leave")
    quota_class = training_class(
        world.city_od, world.school, today + dt.timedelta(days=90), quota=10
    )
    client.force_login(world.bob)
    assert _allot(client, quota_class, f"{world.a.code} 1").status_code == 302
    client.force_login(staff.lily)
    assert client.post("/workflow/filing/start/", filing_data(world)).status_code == 302
    assert recognition_post(client, world.cadre_a1).status_code == 302
    absent = cadre("钱敏", world.a, world.city_od)
    missed = training_class(world.city_od, world.school, today + dt.timedelta(days=20))
    run_to_absence(client, world, staff, missed, absent)
    assert Makeup.objects.exists()
    assert circular_start(client, world, today - dt.timedelta(days=30), today).status_code == 302
    client.force_login(world.bob)
    assert client.post("/hours/import/", {"file": _csv(world.cadre_a)}).status_code == 302
    _import_batch(client, "M001")

    # The county: its own cadres (managed by the county only), a named roll call with one
    # dispatch confirmed and one under leave approval, a quota roll call, a filing, a
    # circular and an import by the county dispatcher.
    cadre_c = cadre("孙县", world.b, world.county_od)
    cadre_c2 = cadre("周县", world.b, world.county_od, male=False)
    county_class = training_class(world.county_od, world.school, today + dt.timedelta(days=40))
    client.force_login(world.carol)
    assert post_roll_call(client, county_class, [cadre_c, cadre_c2]).status_code == 302
    d_c = Dispatch.objects.get(cadre=cadre_c)
    d_c2 = Dispatch.objects.get(cadre=cadre_c2)
    client.force_login(staff.luke)
    act(client, open_task(process_of(d_c, "DispatchFlow"), "confirm"), {"action": "confirm"})
    request(client, staff.luke, process_of(d_c2, "DispatchFlow"), "leave")
    county_quota = training_class(
        world.county_od, world.school, today + dt.timedelta(days=100), quota=5
    )
    client.force_login(world.carol)
    assert _allot(client, county_quota, f"{world.b.code} 1").status_code == 302
    client.force_login(staff.luke)
    filing = filing_data(
        world, unit=world.b.pk, organizer_name="某县公安局", participants=[cadre_c.pk]
    )
    assert client.post("/workflow/filing/start/", filing).status_code == 302
    assert recognition_post(client, cadre_c2).status_code == 302
    client.force_login(world.carol)
    response = client.post(
        "/workflow/circular/start/",
        {
            "org_department": world.county_od.pk,
            "period_kind": "custom",
            "period_start": today - dt.timedelta(days=30),
            "period_end": today,
        },
    )
    assert response.status_code == 302
    assert client.post("/hours/import/", {"file": _csv(cadre_c)}).status_code == 302
    _import_batch(client, "M002")

    # The apps with their own matrix modules build their samples on both sides.
    extra = {matrix.CITY: {}, matrix.COUNTY: {}}
    for module in matrix.MODULES:
        if hasattr(module, "build"):
            for side, keys in module.build(world, client, staff, users).items():
                extra[side].update(keys)

    samples = {
        matrix.CITY: _side_samples(
            matrix.CITY,
            subject_cadre=world.cadre_a,
            klass=city_class,
            dispatch=d_a,
            notified=world.dave,
            importer=world.bob,
            processes=lambda p: _on_side(p, world.a, world.root, exclude=world.county),
        ),
        matrix.COUNTY: _side_samples(
            matrix.COUNTY,
            subject_cadre=cadre_c,
            klass=county_class,
            dispatch=d_c,
            notified=staff.luke,
            importer=world.carol,
            processes=lambda p: _on_side(p, world.county, world.county, exclude=None),
        ),
    }
    for side, keys in extra.items():
        samples[side].update(keys)
    # The admin's two roles, made last so that no flow of the world counts them; a row of
    # each registered model (admin_routes).
    users[matrix.STAFF] = user(
        admin_routes.ADMIN_USERS[matrix.STAFF], "dispatcher", world.root, is_staff=True
    )
    users[matrix.SUPERUSER] = user(
        admin_routes.ADMIN_USERS[matrix.SUPERUSER], is_staff=True, is_superuser=True
    )
    samples[matrix.CITY].update(admin_routes.build_samples(world, users))
    return users, samples


def _allot(client, klass, lines):
    return client.post(
        "/workflow/rollcall/start/",
        {
            "training_class": klass.pk,
            "mode": "quota",
            "response_deadline": deadline(),
            "allocations": lines,
        },
    )


def _csv(person):
    day = (timezone.localdate() - dt.timedelta(days=3)).isoformat()
    text = "身份证号码,姓名,学习日期,学时,课程,平台\n" + ",".join(
        [person.id_number, person.name, day, "2", "党史", "网院"]
    )
    return SimpleUploadedFile("hours.csv", text.encode("utf-8"), content_type="text/csv")


def _import_batch(client, code):
    """A checked batch of the sample kind, uploaded by the client's user (its check run)."""
    upload = SimpleUploadedFile("units.csv", f"单位代码,单位名称\n{code},矩阵单位{code}\n".encode())
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert client.post(f"/imports/{testkind.SLUG}/", {"file": upload}).status_code == 302


def _on_side(process, unit, organizer_root, exclude):
    """Is the process's scope unit on this side (the county's subtree, or the city
    outside the county)?"""
    scope = process.flow_class.instance.scope_of(process.coerced)
    if scope is None:
        return False
    path = scope.path
    if exclude is not None and path.startswith(exclude.path):
        return False
    return path.startswith(organizer_root.path)


def _side_samples(side, *, subject_cadre, klass, dispatch, notified, importer, processes):
    """The sample of each kind on a side: `dispatch` is confirmed (its notice issued) and
    `notified` is the person who acknowledges it."""
    notice = IssuedDocument.objects.get(
        subject_type=ContentType.objects.get_for_model(Dispatch), subject_id=dispatch.pk
    )
    samples = {
        "side": side,
        "cadre": subject_cadre.pk,
        "class": klass.pk,
        "rollcall": dispatch.roll_call_id,
        "notification": Notification.objects.filter(recipient=notified, document=notice)
        .latest("pk")
        .pk,
        "document": notice.pk,
        # A message carrying the notice as an enclosure (a liaison's reissued notices).
        "enclosure": (
            notify(
                event=Event.NOTICE_ISSUED,
                recipients=[notified],
                key=f"matrix:{side}:enclosure",
                context={"enclosures": [notice.pk]},
            )[0].pk,
            notice.pk,
        ),
        "hour_import": HourImport.objects.filter(uploaded_by=importer).latest("pk").pk,
        "import_kind": testkind.SLUG,
        "import_batch": ImportBatch.objects.filter(uploaded_by=importer).latest("pk").pk,
    }
    for app in {**FLOW_APPS, **matrix.EXTRA_FLOW_APPS}.values():
        flow_processes = [
            p
            for p in Process.objects.filter(flow_class__endswith=_flow_class_name(app)).order_by(
                "pk"
            )
            if processes(p)
        ]
        if not flow_processes:
            continue
        samples[f"{app}:process"] = flow_processes[0].pk
        for task in Task.objects.filter(process__in=flow_processes).order_by("pk"):
            samples.setdefault(f"{app}:{task.flow_task.name}", (task.process_id, task.pk))
    # The leave request under approval comes with a file (its /attachment/ page).
    approval = Process.objects.get(pk=samples["approval:process"]).artifact
    approval.attachment.save("说明.txt", ContentFile("请假说明".encode()))
    # An issued circular of the side's department (its figures' download): the drafted
    # one's figures, as the flow would have left them once issued.
    drafted = Process.objects.get(pk=samples["circular:process"]).artifact
    samples["circular"] = Circular.objects.create(
        org_department=drafted.org_department,
        period_kind=drafted.period_kind,
        period_start=drafted.period_start,
        period_end=drafted.period_end,
        title="已印发的调训情况通报",
        figures=drafted.figures,
        status=CircularStatus.ISSUED,
        created_by=drafted.created_by,
    ).pk
    # A task a dispatcher may reassign: the unit's nomination, not claimed yet.
    samples["task"] = samples["nomination:nominate"][1]
    return samples


def _flow_class_name(app):
    return {v: k for k, v in {**FLOW_APPS, **matrix.EXTRA_FLOW_APPS}.items()}[app]


# -- probing ---------------------------------------------------------------------------------

LOGIN = re.compile(r"^/accounts/login/\?next=|^/admin/login/\?next=")


def outcome(response) -> str:
    """The status as the matrix spells it: "login" for a redirect to a login page."""
    if response.status_code == 302 and LOGIN.match(response.get("Location", "")):
        return "login"
    return str(response.status_code)


class Browsers:
    """One test client per role, signed in once; each probe starts from the role's own
    cookies again (a probe of the logout page must not sign the role out)."""

    def __init__(self, users):
        self.clients = {}
        for role, person in users.items():
            client = Client(raise_request_exception=True)
            if person is not None:
                client.force_login(person)
            self.clients[role] = (client, copy.deepcopy(client.cookies))

    def probe(self, role, method, url):
        """One request in a savepoint rolled back afterwards, so every probe sees the
        same world; the outcome and the number of audit events a POST wrote."""
        client, cookies = self.clients[role]
        client.cookies = copy.deepcopy(cookies)
        written = 0
        try:
            with transaction.atomic():
                before = AuditEvent.objects.count() if method == "POST" else 0
                response = getattr(client, method.lower())(url)
                if method == "POST":
                    written = AuditEvent.objects.count() - before
                transaction.set_rollback(True)
            return outcome(response), written
        except Exception as exc:  # a view that raises is a 500 for the user
            return f"500 ({type(exc).__name__}: {str(exc)[:200]})", written


def probe_matrix(world, client, *, share: int, shares: int) -> list[str]:
    """Probe share `share` of `shares` of the routes (every `shares`-th probed route,
    from the `share`-th) as every role they are probed with; the failures. The samples'
    states, and the KNOWN and UNSAMPLED keys that name no route, are checked by share 0."""
    users, samples = build_world(world, client)
    failures = (
        [
            f"sample task {app}:{node} ({side}) is {state}, the matrix assumes {task.state}"
            for (app, node, side), task in matrix.SAMPLE_TASKS.items()
            if (state := _task_state(samples[side].get(f"{app}:{node}"))) != task.state
        ]
        if share == 0
        else []
    )
    browsers = Browsers(users)
    known, unsampled = set(), set()
    routes = list(probed_routes(samples))
    mine = routes[share::shares]
    names = {r.name or r.pattern for r, _roles in mine}
    all_names = {r.name or r.pattern for r, _roles in routes}
    keys = {_unsampled_key(r) for r, _roles in mine}
    all_keys = {_unsampled_key(r) for r, _roles in routes}
    for route, roles in mine:
        entry = matrix.entry_for(route.pattern, route.name)
        if entry is None:
            continue  # test_every_route_has_an_entry_in_the_matrix names it
        urls = {
            side: matrix.sample_url(route.pattern, route.name, samples[side])
            for side in matrix.SIDES
        }
        if not any(urls.values()):
            unsampled.add(_unsampled_key(route))
            if _unsampled_key(route) not in matrix.UNSAMPLED:
                failures.append(f"{route.pattern} (name {route.name!r}): no sample on either side")
            continue
        for side, url in urls.items():
            if url is None:
                continue
            for role in roles:
                for method in ("GET", "POST"):
                    got, written = browsers.probe(role, method, url)
                    allowed = entry.allowed(role, side, method)
                    if got in allowed and written and not entry.allowed_to_act(role, got):
                        got = f"{got}, writing {written} audit events"
                    key = (route.name or route.pattern, role, side, method)
                    if key in matrix.KNOWN:
                        known.add(key)
                        if got in allowed:
                            failures.append(f"{key} is fixed: take it off matrix.KNOWN")
                    elif got not in allowed:
                        allowed = "/".join(sorted(allowed))
                        failures.append(f"{method} {url} as {role} ({side}): {got}, not {allowed}")
    owned = {k for k in matrix.UNSAMPLED if k in keys or (share == 0 and k not in all_keys)}
    failures += [f"{key} in matrix.UNSAMPLED is sampled: take it off" for key in owned - unsampled]
    owned = {k for k in matrix.KNOWN if k[0] in names or (share == 0 and k[0] not in all_names)}
    failures += [f"{key} in matrix.KNOWN was not probed" for key in owned - known]
    return failures


#: Viewflow's pages that do not depend on a task's holder — nodes' index, detail and
#: manage pages, a process's chart and cancel page — are the same views with the same
#: check (read_scope on the process's unit) on every flow: they are probed for
#: FEW_ROLES, one of each kind the check tells apart: signed out, a trainee (no unit), a
#: unit's liaison (inside the city, outside the county), the county's dispatcher
#: (inside the county, outside the city) and the city's dispatcher (inside both). Every
#: role is probed on every flow's process page, start page and task pages, and on the
#: lists of LIST_FLOW; the other flows' lists (filtered, never refused) for LIST_ROLES.
LIST_FLOW = "dispatch"
FEW_ROLES = [
    matrix.ANONYMOUS,
    matrix.TRAINEE,
    matrix.LIAISON,
    matrix.COUNTY_DISPATCHER,
    matrix.CITY_DISPATCHER,
]
#: the lists (filtered, never refused) of the other flows: signed out and signed in
LIST_ROLES = [matrix.ANONYMOUS, matrix.TRAINEE]


#: the pages of a human node probed on every human node: those that depend on the task
TASK_ACTIONS = {"assign", "unassign", "execute"}


def probed_routes(samples):
    """The routes probed, with the roles probed on each (a new route always is). The
    admin's, for admin_routes.ADMIN_ROLES (its gate is is_staff, whatever the role). Of the
    nodes' pages, the task pages (TASK_ACTIONS) are probed on every human node; the
    others — index, detail, and Viewflow's cancel / undo / revive, the same views with
    the same checks on every node — on one automatic node per flow (the first with a sample on
    both sides if one has, other than the start, which has no cancel page). Of the
    flows' lists, see LIST_FLOW."""
    sampled = {
        app: [
            node
            for node, kind in nodes.items()
            if kind == matrix.AUTO and f"{app}:{node}" in samples[matrix.CITY]
        ]
        for app, nodes in matrix.FLOW_NODES.items()
    }
    chosen = {}
    for app, nodes in sampled.items():
        nodes = sorted(nodes, key=lambda n: n == "start")  # a start node has no cancel page
        both = [n for n in nodes if f"{app}:{n}" in samples[matrix.COUNTY]]
        chosen[app] = (both or nodes or [None])[0]
    for route in all_routes():
        if route.pattern.startswith("admin/"):
            yield route, admin_routes.ADMIN_ROLES
            continue
        flow = matrix.flow_route(route.pattern)
        if flow and flow[1]:
            kind = matrix.FLOW_NODES[flow[0]].get(flow[1])
            if kind == matrix.AUTO and chosen[flow[0]] != flow[1]:
                continue
            if kind == matrix.HUMAN and flow[2] not in TASK_ACTIONS:
                continue
        task_page = flow and flow[1] and flow[2] in TASK_ACTIONS
        lists = matrix.LIST_PAGES if flow and flow[0] == LIST_FLOW else ()
        if flow and flow[0] != LIST_FLOW and flow[1] is None and flow[2] in matrix.LIST_PAGES:
            yield route, LIST_ROLES
            continue
        process_page = flow and flow[1] is None and flow[2] == "<int:process_pk>/"
        if flow and not task_page and not process_page and flow[2] not in ("start/", *lists):
            yield route, FEW_ROLES
            continue
        yield route, every_role()


def every_role() -> list[str]:
    """Every role on the SQLite leg. On the PostgreSQL leg, FEW_ROLES: the same views
    answer the same way there, and the database's own part of each check, the
    jurisdiction statements (tested on both databases in tests/org), is reached by one
    role of each kind it tells apart. It halves the leg's longest tests."""
    return matrix.ROLES if connection.vendor == "sqlite" else FEW_ROLES


def _task_state(ids):
    return None if ids is None else Task.objects.get(pk=ids[1]).status
