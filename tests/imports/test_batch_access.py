"""A batch's pages outlive neither the uploader's right to import its kind nor their
reach: whoever may no longer import the kind is refused its preview, progress, result
and commit (403, as on every step), and the result shows only the rows the kind still
hands the viewer now (asked with the viewer, on every visit)."""

from imports.models import BatchStatus, ImportBatch
from org import selectors as org_selectors
from org import services as org_services
from org.models import Unit
from tests.imports.conftest import commit, csv_file, upload
from tests.imports.testkind import TestUnitKind, registered


def _pages(batch):
    return [
        f"/imports/{batch.pk}/",
        f"/imports/{batch.pk}/?show=errors",
        f"/imports/{batch.pk}/progress.json",
        f"/imports/{batch.pk}/result/",
    ]


def test_an_uploader_who_lost_the_right_to_import_the_kind_is_refused_every_page(
    world, client, kind
):
    client.force_login(world.bob)
    upload(client, csv_file([["P001", "甲单位", ""]]))
    batch = ImportBatch.objects.get()
    org_services.role_revoke(actor=None, user=world.bob, role="dispatcher", unit=world.root)
    assert not kind.may_import(world.bob)
    for url in _pages(batch):
        assert client.get(url).status_code == 403, url
    assert commit(client, batch).status_code == 403
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PREVIEWED
    assert not Unit.objects.filter(code="P001").exists()


class _ReachKind(TestUnitKind):
    """The test kind whose result names units, each only to a viewer within whose
    dispatcher reach it still lies."""

    units: list = []

    def result_rows(self, actor, batch):
        reach = org_selectors.units_in_reach(actor, "issue_dispatch")
        return [{"单位": unit.name} for unit in self.units if reach.filter(pk=unit.pk).exists()]


def test_the_result_shows_only_the_rows_the_viewer_may_still_see(world, client, db):
    with registered(_ReachKind()) as kind:
        kind.units = [world.a, world.b]  # the city's, the county's
        org_services.role_grant(actor=None, user=world.bob, role="dispatcher", unit=world.county)
        client.force_login(world.bob)
        upload(client, csv_file([["P002", "乙单位", ""]]))
        batch = ImportBatch.objects.get()
        commit(client, batch)
        page = client.get(f"/imports/{batch.pk}/result/").content.decode()
        assert world.a.name in page and world.b.name in page

        # Bob loses the city: still a dispatcher (the county), so the pages open, but the
        # city's row is no longer his to see.
        org_services.role_revoke(actor=None, user=world.bob, role="dispatcher", unit=world.root)
        assert kind.may_import(world.bob)
        response = client.get(f"/imports/{batch.pk}/result/")
        assert response.status_code == 200
        page = response.content.decode()
        assert world.b.name in page and world.a.name not in page


def test_the_index_lists_only_batches_of_kinds_the_user_may_still_import(
    world, client, kind, monkeypatch
):
    client.force_login(world.bob)
    upload(client, csv_file([["P003", "丙单位", ""]]))
    batch = ImportBatch.objects.get()
    assert f"/imports/{batch.pk}/" in client.get("/imports/").content.decode()
    # The kind becomes superusers' only (as if a role had gone); Bob imports other kinds.
    monkeypatch.setattr(kind, "may_import", lambda user: user.is_superuser)
    response = client.get("/imports/")
    assert response.status_code == 200
    assert f"/imports/{batch.pk}/" not in response.content.decode()
    assert client.get(f"/imports/{batch.pk}/").status_code == 403
