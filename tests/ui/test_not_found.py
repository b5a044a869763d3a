"""With DEBUG on (the demo), a page not found is the project's own Chinese 404 page, not
Django's technical page listing the URL patterns."""


def test_the_demos_404_is_the_projects_own_page(world, client, settings):
    settings.DEBUG = True
    client.force_login(world.bob)
    for url in ("/no-such-page/", "/cadres/999999/"):
        response = client.get(url)
        assert response.status_code == 404, url
        page = response.content.decode()
        assert "返回首页" in page and 'class="xd-top"' in page, url
        assert "URLconf" not in page and "Page not found" not in page, url


def test_without_debug_the_404_page_is_the_same(world, client, settings):
    settings.DEBUG = False
    client.force_login(world.bob)
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and "返回首页" in response.content.decode()
