"""Logging in and the home page: in Chinese whatever the browser asks, anonymous visitors
sent to the login page, and a landing page for each role."""

import pytest


def test_the_login_page_is_in_chinese(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert "登录" in response.content.decode()


def test_anonymous_visitors_are_sent_to_login(client, db):
    for url in ["/", "/cadres/", "/units/", "/classes/", "/cadres/1/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/")


def test_logging_in_with_a_password_lands_on_the_role_page(client, world):
    response = client.post(
        "/accounts/login/", {"username": "alice", "password": "pw-alice"}, follow=True
    )
    page = response.content.decode()
    assert "单位负责人" in page
    assert "请假、缓训和免训" in page


@pytest.mark.parametrize(
    "who, heading",
    [
        ("alice", "单位负责人"),
        ("bob", "调训专员"),
        ("dave", "学员"),
        ("rita", "培训机构教务"),
    ],
)
def test_each_role_has_its_landing_page(world, login, who, heading):
    page = login(getattr(world, who)).get("/").content.decode()
    assert f"<h2>{heading}</h2>" in page


def test_a_trainee_sees_a_masked_id_number(world, login):
    page = login(world.dave).get("/").content.decode()
    assert world.cadre_a.masked_id_number in page
    assert world.cadre_a.id_number not in page


def test_the_interface_is_chinese_whatever_the_browser_asks(world, client):
    client.force_login(world.alice)
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "单位负责人" in page and "Department head" not in page
    queue = client.get("/workflow/dispatch/queue/", HTTP_ACCEPT_LANGUAGE="en-US").content.decode()
    assert "Queue" not in queue
