"""The way around: every link on the home page opens for each demo role, a trainee's
header offers only their own pages, a refusal leads home, and every page links the icon."""

import re
from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from tests.factories import cadre


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href and href.startswith("/"):
            self.hrefs.append(href)


def links(page: str) -> list[str]:
    parser = Links()
    parser.feed(page)
    return parser.hrefs


DEMO_LOGINS = [
    "admin",
    "xx.dispatcher",
    "xx.orghead",
    "qs.dispatcher",
    "xx.auditor",
    "xx-dx.registrar",
    "xx-fgw.head",
    "xx-fgw.liaison",
    "lh-xz1.liaison",
    "xx-fgw.trainee1",
]


def test_every_link_on_the_home_page_opens_for_every_demo_role(db, client):
    call_command("seed_demo", "--force", verbosity=0)
    User = get_user_model()
    for username in DEMO_LOGINS:
        client.force_login(User.objects.get(username=username))
        page = client.get("/").content.decode()
        hrefs = sorted(set(links(page)))
        assert hrefs, username
        for href in hrefs:
            response = client.get(href, follow=True)
            assert response.status_code == 200, (username, href, response.status_code)


def test_a_trainee_sees_only_home_messages_their_record_and_evaluations(world, client):
    client.force_login(world.dave)
    page = client.get("/").content.decode()
    header = page.split("<header>", 1)[1].split("</header>", 1)[0]
    assert set(links(header)) == {
        "/",
        reverse("notifications:inbox"),
        f"/cadres/{world.cadre_a.pk}/record/",
        "/feedback/evaluations/",
    }
    for name in ["单位", "干部", "调训情况", "逾期事项", "学时达标", "流程"]:
        assert f">{name}</a>" not in header, name


def header_links(client) -> set[str]:
    page = client.get("/").content.decode()
    return set(links(page.split("<header>", 1)[1].split("</header>", 1)[0]))


CADRE_PAGES = {
    reverse("dispatch_list"),
    reverse("compliance_report"),
    reverse("hours_ledger"),
    reverse("document_list"),
}


def test_a_registrar_whose_institution_has_no_cadre_on_record_is_not_offered_their_pages(
    world, client
):
    """调训情况, 学时达标, 学时台账 and 公文 list a reach's cadres' dispatches, hours and
    documents: a registrar of a school whose own staff are not on record is not offered
    them; once a cadre of the school is, they are (at the next login)."""
    client.force_login(world.rita)
    offered = header_links(client)
    assert reverse("class_list") in offered and reverse("cadre_list") in offered
    assert offered & CADRE_PAGES == set()
    assert client.get(reverse("dispatch_list")).status_code == 200  # still there, empty

    cadre("赵老师", world.school_unit, world.city_od)
    client.logout()
    client.force_login(world.rita)
    assert CADRE_PAGES <= header_links(client)
    client.logout()
    client.force_login(world.bob)
    assert CADRE_PAGES <= header_links(client)


def test_the_forbidden_page_is_chinese_and_leads_home(world, client):
    client.force_login(world.dave)
    response = client.get("/units/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "无权访问" in page and "返回首页" in page and 'href="/"' in page
    assert "Django Material" not in page
    response = client.get("/cadres/999999/")
    assert response.status_code == 404
    assert "返回首页" in response.content.decode()


@pytest.mark.parametrize("url", ["/", "/workflow/dispatch/", "/admin/", "/accounts/login/"])
def test_every_page_links_an_icon_that_exists(url, world, client):
    from django.contrib.auth import get_user_model
    from django.contrib.staticfiles import finders

    admin = get_user_model().objects.create_superuser("root", "root@example.com", "x")
    if url != "/accounts/login/":
        client.force_login(admin)
    page = client.get(url).content.decode()
    icons = re.findall(r'<link rel="(?:alternate )?icon" href="/static/([^"]+)"', page)
    assert "xundiao/favicon.svg" in icons and "xundiao/favicon.ico" in icons
    for icon in icons:
        assert finders.find(icon), icon


def test_the_browsers_own_favicon_request_finds_the_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == "/static/xundiao/favicon.ico"


def test_a_refusal_with_its_own_reason_gives_no_advice_to_ask_for_a_role(world, rf):
    from django.core.exceptions import PermissionDenied
    from django.views.defaults import permission_denied

    request = rf.get("/")
    request.user = world.dave
    reasoned = permission_denied(request, PermissionDenied("您是该事项的推荐人选，应当回避。"))
    page = reasoned.content.decode()
    assert reasoned.status_code == 403 and "应当回避" in page and "授予" not in page
    plain = permission_denied(request, PermissionDenied()).content.decode()
    assert "授予" in plain
