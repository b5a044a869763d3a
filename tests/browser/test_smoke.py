import pytest


@pytest.mark.django_db(transaction=True)
def test_login_page(page, live_server):
    page.goto(live_server.url + "/accounts/login/")
    assert page.get_by_label("用户名").is_visible()
