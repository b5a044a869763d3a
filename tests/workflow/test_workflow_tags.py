"""The site-wide tags live in `workflow_ui` (and `core_ui`), not in dispatch: the header
links only pages that open — all of them but those that could never list anything for
the person (tests/ui/test_one_look.py) — and the process pages' tags work on the
/workflow/ site without dispatch's library."""

from django.template import engines
from django.test import RequestFactory
from django.urls import reverse

from tests.factories import user

HEADER_PAGES = ["unit_list", "cadre_list", "class_list", "roll_call_list", "dispatch_list"]


def header(client):
    page = client.get("/").content.decode()
    return page.split("<header>", 1)[1].split("</header>", 1)[0]


#: the header's pages withheld where they can list nothing (`workflow_ui.nav_for`)
WITHHELD = (
    "class_list",
    "roll_call_list",
    "dispatch_list",
    "compliance_report",
    "hours_ledger",
    "document_list",
)


def test_the_header_links_exactly_the_pages_that_open(world, staff, client):
    root = user("root", is_superuser=True, is_staff=True)
    people = [world.bob, world.alice, world.rita, world.dave, world.nobody, staff.lily, root]
    imports = reverse("imports:index")
    for person in people:
        client.force_login(person)
        links = header(client)
        for name in HEADER_PAGES:
            url = reverse(name)
            opens = client.get(url).status_code == 200
            if f'href="{url}"' in links:
                assert opens, (person, url)
            elif opens:  # withheld: a page of classes, roll calls or cadres' records
                assert name in WITHHELD, (person, url)  # that lists nothing
                context = client.get(url).context
                if "page" in context:
                    assert not context["page"].object_list, (person, url)
        assert (f'href="{imports}"' in links) == (client.get(imports).status_code == 200), person
    client.force_login(world.dave)
    assert reverse("training_record", args=[world.cadre_a.pk]) in header(client)


def test_person_names_people_by_their_full_name(db):
    named = user("named", first_name="明", last_name="李")
    plain = user("plain")
    request = RequestFactory().get("/")
    template = engines["django"].from_string("{% load core_ui %}{{ a|person }}/{{ b|person }}")
    assert template.render({"a": named, "b": plain}, request) == f"{named.get_full_name()}/plain"


def test_my_tasks_counts_nothing_for_someone_not_signed_in(db):
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    template = engines["django"].from_string(
        "{% load workflow_ui %}{% my_tasks as t %}{{ t.total }}"
    )
    assert template.render({}, request) == "0"
