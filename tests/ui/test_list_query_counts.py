"""Every list page costs as many queries at 50 rows as at 1, stays below 200 KB at 50
rows and shows at most one page of rows (issue 14: lists paged and bounded, queries flat
in N). Pages are fetched through the HTTP client by a user in reach, once to warm the
session and the caches a running server holds, then counted.

Lists: Viewflow's queue, task list, process list, kanban board, inbox and archive of the
dispatch flow; the overdue list (its three tables); the documents list. Rows are made
through the flows where the list reads what the flows write (roll calls, claims through
Viewflow's bulk claim, cancellation); approvals are opened through their service and
flow, documents written directly (the list only reads them)."""

import datetime as dt
import itertools
import re
from collections import Counter

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from viewflow.workflow.flow.views import DashboardView
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from approvals import policy as approval_policy
from approvals import services as approval_services
from approvals.flows import ApprovalFlow
from approvals.models import ApprovalStep
from dispatch.models import Dispatch, RollCall
from notifications.models import IssuedDocument
from tests.factories import cadre, training_class, unit
from tests.flowtools import deadline, issue_roll_call

#: the issue's goal for a page at 10,000 rows; a page of 50 rows stays below it
MAX_BYTES = 200_000
#: the issue's goal: no list shows more than this many rows at once
MAX_PAGE = 100
LARGE = 50

_names = itertools.count(1)


# -- looking at a page ---------------------------------------------------------------


def _shape(sql: str) -> str:
    """The statement without its values: repeats of one per-row query share a shape."""
    sql = re.sub(r"'(?:[^']|'')*'", "?", sql)
    sql = re.sub(r"\d+(?:\.\d+)?", "?", sql)  # values, and savepoints' numbered names
    return re.sub(r"\?(?:\s*,\s*\?)+", "?, …", sql)


def grown(small: list[str], large: list[str]) -> list[str]:
    """The statements the larger page sends more often than the smaller one."""
    before, after = Counter(map(_shape, small)), Counter(map(_shape, large))
    return [f"+{after[s] - before[s]} × {s[:1000]}" for s in after if after[s] > before[s]]


class Seen:
    """One fetch of a list page: its statements, its size and its response."""

    def __init__(self, client, user, url):
        client.force_login(user)
        assert client.get(url).status_code == 200  # the session, caches, pending messages
        with CaptureQueriesContext(connection) as captured:
            self.response = client.get(url)
        assert self.response.status_code == 200, url
        self.queries = [q["sql"] for q in captured.captured_queries]
        self.size = len(self.response.content)
        self.html = self.response.content.decode()

    def count(self, pattern: str) -> int:
        return len(re.findall(pattern, self.html))


def assert_flat(url, small: Seen, large: Seen):
    """(a) as many queries at 50 rows as at 1 (none per row: no constant is allowed, each
    list reads its page, its count and the rows' subjects in set queries); (b) at 50 rows
    the page stays below the issue's 200 KB."""
    at_one, at_more = len(small.queries), len(large.queries)
    assert at_more == at_one, "\n".join(
        [
            f"{url}: {at_one} queries at 1 row, {at_more} at more; repeated:",
            *grown(small.queries, large.queries),
        ]
    )
    assert large.size < MAX_BYTES, (url, large.size)


# -- Viewflow's lists of the dispatch flow -------------------------------------------------

VIEWFLOW_ROW = r'<tr data-row-id="'
#: a task's card on the kanban board (its heading: #process/task)
CARD = r"#\d+/\d+\s*</h2>"


def name(client, world, count):
    """The city dispatcher names `count` new cadres of A1 for a class of their own (one
    roll call, its dispatch flows started as the page starts them); the roll call."""
    klass = training_class(
        world.city_od, world.school, dt.date.today() + dt.timedelta(days=30), quota=count
    )
    people = [cadre(f"干部{next(_names):03}", world.a1, world.city_od) for _ in range(count)]
    issue_roll_call(client, world, klass, people)
    return klass.roll_calls.get()


def confirmations(roll_call):
    return list(
        Task.objects.filter(
            process__flow_class__endswith="DispatchFlow",
            flow_task_type="HUMAN",
            status=STATUS.NEW,
            process__artifact_object_id__in=roll_call.dispatches.values("pk"),
        ).values_list("pk", flat=True)
    )


def assert_paged(url, seen: Seen, least: int):
    """(c) a Viewflow list shows one page: all its rows up to its page size (≤ 100)."""
    paginator = seen.response.context["paginator"]
    assert paginator.per_page <= MAX_PAGE
    assert paginator.count >= least, (url, paginator.count)
    assert seen.count(VIEWFLOW_ROW) == min(paginator.count, paginator.per_page), url


def test_the_open_task_lists_are_flat_and_paged(world, staff, client):
    """The queue (the liaison's), all tasks, the processes and the kanban board (the city
    dispatcher's), at one open confirmation and at 50."""
    lists = {
        "/workflow/dispatch/queue/": staff.lily,
        "/workflow/dispatch/tasks/": world.bob,
        "/workflow/dispatch/flows/": world.bob,
        "/workflow/dispatch/": world.bob,
    }
    name(client, world, 1)
    small = {url: Seen(client, user, url) for url, user in lists.items()}
    name(client, world, LARGE - 1)
    large = {url: Seen(client, user, url) for url, user in lists.items()}
    for url in lists:
        assert_flat(url, small[url], large[url])
    for url in ("/workflow/dispatch/queue/", "/workflow/dispatch/flows/"):
        assert_paged(url, small[url], 1)
        assert_paged(url, large[url], LARGE)
    # every task: the done start task and the open confirmation of each process
    assert_paged("/workflow/dispatch/tasks/", small["/workflow/dispatch/tasks/"], 2)
    assert_paged("/workflow/dispatch/tasks/", large["/workflow/dispatch/tasks/"], 2 * LARGE)
    # The board shows a column's first cards only: it reads one more than it shows, to
    # mark that there are more and link to the task list ("Show all").
    board = "/workflow/dispatch/"
    assert DashboardView.MAX_ROWS <= MAX_PAGE
    assert small[board].count(CARD) == 1
    assert large[board].count(CARD) == DashboardView.MAX_ROWS - 1
    assert large[board].count(r'href="/workflow/dispatch/tasks/\?flow_task=') == 1


def claim(client, liaison, task_ids):
    """The liaison claims these tasks at once, through Viewflow's bulk claim."""
    client.force_login(liaison)
    response = client.post("/workflow/dispatch/queue/assign/", {"pk": task_ids, "_confirm": "1"})
    assert response.status_code == 302
    assert Task.objects.filter(pk__in=task_ids, owner=liaison).count() == len(task_ids)


def cancel(client, world, roll_call):
    """The city dispatcher cancels the roll call on its page: its dispatch flows end, each
    claimed confirmation cancelled and left in its claimant's archive."""
    client.force_login(world.bob)
    response = client.post(f"/rollcalls/{roll_call.pk}/", {"reason": "培训班取消"})
    assert response.status_code == 302


def test_the_inbox_and_the_archive_are_flat_and_paged(world, staff, client):
    """The liaison's claimed confirmations (inbox), then the finished ones (archive), at
    one task and at 50."""
    one, more = name(client, world, 1), name(client, world, LARGE - 1)
    inbox, archive = "/workflow/dispatch/inbox/", "/workflow/dispatch/archive/"

    claim(client, staff.lily, confirmations(one))
    small = Seen(client, staff.lily, inbox)
    claim(client, staff.lily, confirmations(more))
    large = Seen(client, staff.lily, inbox)
    assert_flat(inbox, small, large)
    assert_paged(inbox, small, 1)
    assert_paged(inbox, large, LARGE)

    cancel(client, world, one)
    small = Seen(client, staff.lily, archive)
    cancel(client, world, more)
    large = Seen(client, staff.lily, archive)
    assert_flat(archive, small, large)
    assert_paged(archive, small, 1)
    assert_paged(archive, large, LARGE)


# -- the overdue list ---------------------------------------------------------------------

OVERDUE = "/dispatches/overdue/"
#: a row of one of the overdue list's tables (not its "Nothing here." row)
TABLE_ROW = r"<tr><td (?!colspan)"


def overdue(client, world, staff, count):
    """`count` more rows in each of the overdue list's tables: dispatches past their
    confirmation, approval requests past their decision (one about each of those
    dispatches, opened by the liaison through the approvals' service and flow), seats of
    new units not nominated by the roll call's deadline."""
    past = timezone.now() - dt.timedelta(hours=1)
    dispatches = name(client, world, count).dispatches.select_related("cadre", "unit")
    dispatches.update(confirm_due=past)
    for dispatch in dispatches:
        request = approval_services.request_create(
            actor=staff.lily,
            kind="leave",
            subject=dispatch,
            title=f"{dispatch.cadre.name}：请假",
            reason="因重大项目攻坚无法脱产",
            chain=approval_policy.chain_for_cadre(dispatch.cadre, unit=dispatch.unit),
            due_at=past,
        )
        ApprovalFlow.start.run(request=request)
        # A new step is never due within the hour: overdue as if its window had passed.
        ApprovalStep.objects.filter(request=request).update(due_at=past)

    units = [unit(f"单位{next(_names):03}", world.root) for _ in range(count)]
    klass = training_class(
        world.city_od, world.school, dt.date.today() + dt.timedelta(days=30), quota=count
    )
    client.force_login(world.bob)
    response = client.post(
        "/workflow/rollcall/start/",
        {
            "training_class": klass.pk,
            "mode": "quota",
            "response_deadline": deadline(),
            "allocations": "\n".join(f"{u.code} 1" for u in units),
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    RollCall.objects.filter(training_class=klass).update(response_deadline=past)


def table_rows(seen: Seen) -> list[int]:
    """Rows of the dispatches', approvals' and nominations' tables, in the page's order."""
    return [len(re.findall(TABLE_ROW, part)) for part in seen.html.split("<h2>")[1:]]


def test_the_overdue_list_is_flat_and_paged(world, staff, client):
    """The city dispatcher's overdue list with 1, 50 and 51 rows in each of its tables:
    each table is a page of 50 at most."""
    overdue(client, world, staff, 1)
    small = Seen(client, world.bob, OVERDUE)
    overdue(client, world, staff, LARGE - 1)
    large = Seen(client, world.bob, OVERDUE)
    overdue(client, world, staff, 1)
    beyond = Seen(client, world.bob, OVERDUE)

    assert_flat(OVERDUE, small, large)
    assert_flat(OVERDUE, small, beyond)
    pages = [large.response.context[t] for t in ("dispatches", "approvals", "nominations")]
    per_page = {page.paginator.per_page for page in pages}
    assert per_page == {LARGE} and LARGE <= MAX_PAGE
    assert table_rows(small) == [1, 1, 1]
    assert table_rows(large) == [LARGE] * 3
    assert table_rows(beyond) == [LARGE] * 3  # the 51st of each on page 2
    assert [p.paginator.count for p in pages] == [LARGE] * 3


# -- the documents list -------------------------------------------------------------------

DOCUMENTS = "/documents/"
DOCUMENT_ROW = r'<a href="/documents/\d+/">'
_numbers = itertools.count(1)


def documents(client, world, count):
    """`count` issued dispatch notices, one about each dispatch of a new roll call,
    written directly (the list reads only their rows)."""
    for dispatch in name(client, world, count).dispatches.all():
        number = next(_numbers)
        IssuedDocument.objects.create(
            kind="dispatch_notice",
            issuer_code="X组通",
            year=2026,
            number=number,
            document_number=f"X组通〔2026〕{number}号",
            title="关于调训的通知",
            subject_type=ContentType.objects.get_for_model(Dispatch),
            subject_id=dispatch.pk,
            file=f"documents/notice-{number}.pdf",
            sha256="0" * 64,
            size=1,
            pages=2,
            issued_by=world.bob,
        )


def test_the_documents_list_is_flat_and_paged(world, client):
    """The city dispatcher's documents at 1, 50 and 51: a page of 50 at most."""
    documents(client, world, 1)
    small = Seen(client, world.bob, DOCUMENTS)
    documents(client, world, LARGE - 1)
    large = Seen(client, world.bob, DOCUMENTS)
    documents(client, world, 1)
    beyond = Seen(client, world.bob, DOCUMENTS)

    assert_flat(DOCUMENTS, small, large)
    assert_flat(DOCUMENTS, small, beyond)
    paginator = beyond.response.context["page"].paginator
    assert paginator.per_page == LARGE <= MAX_PAGE and paginator.count == LARGE + 1
    assert [s.count(DOCUMENT_ROW) for s in (small, large, beyond)] == [1, LARGE, LARGE]
