"""Who reaches the import pages: anonymous visitors log in, a batch is its uploader's
(404 for anyone else, a superuser excepted), a kind the user may not import is 403."""

import pytest
from django.contrib.auth import get_user_model

from imports.models import BatchStatus, ImportBatch
from org.models import Unit
from tests.imports.conftest import commit, csv_file, upload


@pytest.fixture
def batch(world, client, kind):
    client.force_login(world.bob)
    upload(client, csv_file([["A001", "甲单位", ""]]))
    client.logout()
    return ImportBatch.objects.get()


def _pages(batch):
    return [
        f"/imports/{batch.pk}/",
        f"/imports/{batch.pk}/progress.json",
        f"/imports/{batch.pk}/result/",
    ]


def test_anonymous_visitors_are_sent_to_log_in(client, batch):
    for url in [
        "/imports/",
        "/imports/test_units/",
        "/imports/test_units/template.xlsx",
        *_pages(batch),
    ]:
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url
    assert "/login/" in client.post(f"/imports/{batch.pk}/commit/")["Location"]


def test_another_users_batch_is_not_found(world, client, batch):
    client.force_login(world.carol)  # a dispatcher too: may import the kind, not see Bob's file
    for url in _pages(batch):
        assert client.get(url).status_code == 404, url
    assert commit(client, batch).status_code == 404
    assert not Unit.objects.filter(code="A001").exists()
    assert "甲单位" not in client.get("/imports/").content.decode()


def test_a_superuser_sees_every_batch(client, batch):
    admin = get_user_model().objects.create_superuser("root", password="x")
    client.force_login(admin)
    assert client.get(f"/imports/{batch.pk}/").status_code == 200


def test_a_kind_the_user_may_not_import_is_forbidden(world, client, kind):
    client.force_login(world.alice)  # a department head: no dispatcher's rights
    assert client.get("/imports/").status_code == 403
    assert client.get("/imports/test_units/").status_code == 403
    assert client.get("/imports/test_units/template.xlsx").status_code == 403
    assert client.get("/imports/test_units/template.csv").status_code == 403
    assert upload(client, csv_file([["A002", "乙单位", ""]])).status_code == 403
    assert not ImportBatch.objects.exists()


def test_an_unknown_kind_is_not_found(world, client, kind):
    client.force_login(world.bob)
    assert client.get("/imports/no_such_kind/").status_code == 404
    assert client.get("/imports/no_such_kind/template.xlsx").status_code == 404


def test_the_kinds_right_is_asked_again_on_every_step(world, client, batch, kind, monkeypatch):
    monkeypatch.setattr(kind, "may_import", lambda user: False)
    client.force_login(world.bob)
    for url in _pages(batch):
        assert client.get(url).status_code == 403, url
    assert commit(client, batch).status_code == 403
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PREVIEWED
    assert not Unit.objects.filter(code="A001").exists()


def test_the_index_lists_the_users_kinds_and_own_batches_and_the_header_links_it(
    world, client, batch
):
    client.force_login(world.bob)
    page = client.get("/imports/").content.decode()
    assert 'data-kind="test_units"' in page
    assert f'href="/imports/{batch.pk}/"' in page
    assert '<td data-label="数据类别">测试单位</td>' in page  # the kind's label, not its slug
    assert '<a href="/imports/">数据导入</a>' in page
    client.force_login(world.alice)
    assert '<a href="/imports/">' not in client.get("/").content.decode()
