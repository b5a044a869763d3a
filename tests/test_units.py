import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from dispatch.forms import UnitForm
from dispatch.models import Unit
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
