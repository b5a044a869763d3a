"""Units form a tree kept as materialized paths: subtrees in one indexed query, no cycles
(form, save or database), and the unit list follows the user's jurisdiction."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from org.forms import UnitForm
from org.models import Unit
from tests.factories import unit


@pytest.fixture
def tree(db):
    root = unit("市委")
    a = unit("甲", root)
    a1 = unit("甲一", a)
    a11 = unit("甲一一", a1)
    b = unit("乙", root)
    return root, a, a1, a11, b


def test_subtree_holds_the_unit_and_everything_below(tree):
    root, a, a1, a11, b = tree
    assert set(Unit.objects.subtree(a)) == {a, a1, a11}
    assert set(Unit.objects.subtree(root)) == {root, a, a1, a11, b}
    assert set(Unit.objects.subtree(b)) == {b}


def test_subtree_is_one_query(tree, django_assert_num_queries):
    _root, a, *_ = tree
    with django_assert_num_queries(1):
        assert len(list(Unit.objects.subtree(a))) == 3


def test_subtree_does_not_confuse_sibling_prefixes(db):
    # ids 1 and 10 share a decimal prefix; the padded path keeps them apart.
    root = unit("根")
    units = [unit(f"单位{i}", root) for i in range(12)]
    first = units[0]
    assert set(Unit.objects.subtree(first)) == {first}


def test_moving_a_unit_moves_its_subtree(tree):
    root, a, a1, a11, b = tree
    a1.parent = b
    a1.save()
    a11.refresh_from_db()
    assert a11.path.startswith(b.path)
    assert a11.depth == 3
    assert set(Unit.objects.subtree(b)) == {b, a1, a11}
    assert set(Unit.objects.subtree(a)) == {a}


def test_a_unit_cannot_be_put_under_its_own_descendant(tree):
    _root, a, _a1, a11, _b = tree
    form = UnitForm(
        data={"code": a.code, "name": a.name, "kind": a.kind, "parent": a11.pk, "sort_order": 0},
        instance=a,
    )
    assert not form.is_valid()
    assert "不能" in form.errors["parent"][0]


def test_save_refuses_a_cycle_even_without_the_form(tree):
    _root, a, _a1, a11, _b = tree
    a.parent = a11
    with pytest.raises(ValidationError):
        a.save()
    a.refresh_from_db()
    assert a.parent.name == "市委"


def test_the_database_refuses_a_unit_as_its_own_parent(tree):
    _root, a, *_ = tree
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.filter(pk=a.pk).update(parent=a.pk)


def test_subtree_is_a_range_on_the_path_index(tree):
    """`path >= p AND path < p'` (p' = p with its last character incremented): SQLite
    searches the path index for it, where `LIKE 'p%'` scans the table; PostgreSQL's
    byte-wise pattern operators keep it free of the collation and on its pattern index."""
    from django.db import connection

    _root, a, *_ = tree
    queryset = Unit.objects.subtree(a)
    sql = str(queryset.query)
    assert "LIKE" not in sql.upper()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            compiled, params = queryset.query.sql_with_params()
            cursor.execute(f"EXPLAIN QUERY PLAN {compiled}", params)
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
            assert "unit_path_idx" in plan and "SCAN" not in plan.replace("SCAN CONSTANT", "")
        else:
            assert "~>=~" in sql and "~<~" in sql
            compiled, params = queryset.query.sql_with_params()
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {compiled}", params)
            plan = " ".join(row[0] for row in cursor.fetchall())
            assert "unit_path_idx" in plan


def test_subtree_bounds_hold_at_the_edges(db):
    """Siblings whose ids sort next to each other, deep paths, and the last sibling."""
    from org.models import path_upper_bound

    assert path_upper_bound("00000001/00000007/") == "00000001/000000070"
    root = unit("根")
    first = unit("一", root)
    second = unit("二", root)
    deep = first
    chain = [first]
    for depth in range(5):
        deep = unit(f"深{depth}", deep)
        chain.append(deep)
    assert set(Unit.objects.subtree(first)) == set(chain)
    assert set(Unit.objects.subtree(second)) == {second}
    assert set(Unit.objects.subtree(deep)) == {deep}
    assert Unit.objects.subtree(root).count() == 8


def test_the_unit_list_follows_the_jurisdiction(world, login):
    page = login(world.carol).get("/units/").content.decode()
    assert "某县公安局" in page
    assert "某市发展和改革委员会" not in page


def test_the_unit_list_pages_and_searches_in_a_flat_number_of_queries(
    world, login, django_assert_max_num_queries
):
    client = login(world.bob)
    with django_assert_max_num_queries(12) as few:
        first = client.get("/units/")
    queries = len(few)
    assert first.context["page"].paginator.count == Unit.objects.count()
    Unit.objects.bulk_create(
        Unit(
            name=f"第{n:03d}科", code=f"K{n:03d}", parent=world.a1, path=f"{world.a1.path}{n:08d}/"
        )
        for n in range(150)
    )
    with django_assert_max_num_queries(queries):
        page = client.get("/units/").context["page"]
    assert len(page) == 100 and page.paginator.num_pages == 2
    second = client.get("/units/?page=2")
    assert len(second.context["page"]) == Unit.objects.count() - 100
    # A search by name or code, and its pager keeps it.
    found = client.get("/units/?q=第1")
    assert {u.name for u in found.context["page"]} == {f"第{n:03d}科" for n in range(100, 150)}
    assert [u.name for u in client.get("/units/?q=K007").context["page"]] == ["第007科"]
    # Codes are matched whatever their case, on every database.
    assert [u.name for u in client.get("/units/?q=k007").context["page"]] == ["第007科"]


def test_each_unit_links_to_its_lists(world, login):
    page = login(world.carol).get("/units/").content.decode()
    for url in ("/cadres/", "/hours/", "/compliance/"):
        assert f'href="{url}?unit={world.b.pk}"' in page, url
