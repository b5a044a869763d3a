"""A small import kind for the framework's tests: top-level units by code and name. Only
dispatchers (issue_dispatch somewhere) and superusers may import it."""

from contextlib import contextmanager

from imports.kinds import Action, Column, ImportKind, RowOutcome, registry
from org import selectors as org_selectors
from org.models import Unit, UnitKind

SLUG = "test_units"


class TestUnitKind(ImportKind):
    __test__ = False  # not a pytest class

    slug = SLUG
    label = "测试单位"
    description = "测试用：按代码导入顶层单位。"
    columns = [
        Column("code", "单位代码", required=True, help="唯一代码", example="T001"),
        Column("name", "单位名称", required=True, aliases=("名称",), example="测试单位"),
        Column("note", "备注", help="可不填"),
    ]

    def __init__(self):
        self.applied = 0  # rows written by the last apply

    def may_import(self, user):
        return user.is_superuser or org_selectors.units_in_reach(user, "issue_dispatch").exists()

    def check(self, actor, rows):
        rows = list(rows)
        codes = [row["code"] for _line, row in rows]
        existing = {}
        for start in range(0, len(codes), 500):
            for unit in Unit.objects.filter(code__in=codes[start : start + 500]).only(
                "pk", "code", "name"
            ):
                existing[unit.code] = unit
        names = [row["name"] for _line, row in rows]
        taken = {}  # a name another unit bears already
        for start in range(0, len(names), 500):
            for code, name in Unit.objects.filter(name__in=names[start : start + 500]).values_list(
                "code", "name"
            ):
                taken[name] = code
        seen = set()
        for line, row in rows:
            code, name = row["code"], row["name"]
            errors = []
            if not code:
                errors.append("单位代码为空。")
            elif code in seen:
                errors.append(f"单位代码“{code}”在文件中重复。")
            if len(code) > 32:
                errors.append("单位代码超过32个字符。")
            if not name:
                errors.append("单位名称为空。")
            elif len(name) > 128:
                errors.append(f"单位名称有{len(name)}个字，最多128个字。")
            if name in taken and taken[name] != code:
                errors.append(f"单位名称“{name}”已被单位“{taken[name]}”使用。")
            seen.add(code)
            unit = existing.get(code)
            if errors:
                yield RowOutcome(line, code[:32], Action.ERROR, errors=errors)
            elif unit is None:
                yield RowOutcome(line, code, Action.CREATE, data={"code": code, "name": name})
            elif unit.name == name:
                yield RowOutcome(line, code, Action.UNCHANGED)
            else:
                yield RowOutcome(line, code, Action.UPDATE, data={"pk": unit.pk, "name": name})

    def apply(self, actor, outcomes, progress):
        self.applied = 0
        for outcome in outcomes:
            if outcome.action == Action.CREATE:
                data = outcome.data
                Unit(code=data["code"], name=data["name"], kind=UnitKind.GOVERNMENT).save()
            elif outcome.action == Action.UPDATE:
                Unit.objects.filter(pk=outcome.data["pk"]).update(name=outcome.data["name"])
            else:
                continue
            self.applied += 1
            progress(1)

    def result_rows(self, actor, batch):
        return [{"单位代码": "T001", "说明": "<b>打印</b>"}]


@contextmanager
def registered(kind=None):
    """The test kind registered for the duration, then removed."""
    kind = kind or TestUnitKind()
    registry.register(kind)
    try:
        yield kind
    finally:
        registry._kinds.pop(kind.slug, None)
