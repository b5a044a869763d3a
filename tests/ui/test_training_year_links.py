"""The header leads to the training year's pages: a dispatcher to the needs surveys, the
dispatch plans and the feedback report; a trainee to their own evaluations."""


def test_a_dispatcher_finds_surveys_plans_and_feedback(world, client):
    client.force_login(world.bob)
    page = client.get("/").content.decode()
    for url, text in [
        ("/surveys/", "需求调研"),
        ("/plans/", "年度调训计划"),
        ("/feedback/report/", "培训评估"),
    ]:
        assert f'href="{url}">{text}</a>' in page, url
        assert client.get(url).status_code == 200, url


def test_a_trainee_finds_their_evaluations(world, client):
    client.force_login(world.dave)
    page = client.get("/").content.decode()
    assert 'href="/feedback/evaluations/">我的培训评价</a>' in page
    assert 'href="/plans/"' not in page
