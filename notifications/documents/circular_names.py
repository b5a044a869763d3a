"""The people a circular names: absent without approval (this period's, and those of
the classes an earlier circular counted as still in progress) and makeups past their
due date — in its text, a sentence each, and in its last attachment, a table each."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from notifications.documents.context import Paragraph, Table
from notifications.documents.render import format_date


@dataclass(frozen=True)
class Absentee:
    """A cadre absent without leave, named in a circular."""

    name: str
    unit: str
    missed_class: str = ""


@dataclass(frozen=True)
class OverdueMakeup:
    """A cadre whose makeup training is past its due date, named in a circular.
    `cadre_id` tells two cadres of one name in one unit apart (figures stored before
    it was kept have none: they are told apart by unit and name)."""

    name: str
    unit: str
    missed_class: str = ""
    due_date: dt.date | str = ""
    cadre_id: int | None = None

    @property
    def due_text(self) -> str:
        due = self.due_date
        if isinstance(due, str) and due:
            try:
                due = dt.date.fromisoformat(due)
            except ValueError:
                return due
        return format_date(due) if isinstance(due, dt.date) else ""


#: How many units, or people, one sentence of the circular's text names: more are
#: counted (等N个单位, 等N人次) and left to the attachments, which list them all, so the
#: text keeps its length whatever the size of the period.
NAMED_IN_TEXT = 10


def _some_people(entries: Sequence[str], measure: str, see: str) -> str:
    """People as a sentence names them: all of them up to `NAMED_IN_TEXT`, more as the
    first of them, their number (等N人) and where the whole list is (`see`)."""
    named = "；".join(entries[:NAMED_IN_TEXT])
    if len(entries) <= NAMED_IN_TEXT:
        return named
    return f"{named}等{len(entries)}{measure}{see}"


def _absentees(people: Sequence[Absentee], see: str) -> str:
    """Absentees as a sentence names them: by class, then by unit, each class and unit
    once — "在甲班中，某局陈镕、孙伟，某委王伟；在乙班中，…" — the first `NAMED_IN_TEXT`
    of them, then their number (等N人次) and where the whole list is (`see`)."""
    by_class: dict[str, dict[str, list[str]]] = {}
    for entry in people[:NAMED_IN_TEXT]:
        by_class.setdefault(entry.missed_class, {}).setdefault(entry.unit, []).append(entry.name)
    groups = []
    for missed_class, units in by_class.items():
        named = "，".join(f"{unit}{'、'.join(names)}" for unit, names in units.items())
        groups.append(f"在{missed_class}中，{named}" if missed_class else named)
    text = "；".join(groups)
    return text if len(people) <= NAMED_IN_TEXT else f"{text}等{len(people)}人次{see}"


def _people_once(entries: Sequence[OverdueMakeup]) -> list[str]:
    """Each person once (by cadre; by unit and name where the cadre is not recorded),
    with the classes they missed: a cadre owing two overdue makeups is one person,
    "某局冯楠（甲班、乙班）"; two cadres of one name in one unit are two."""
    people: dict[object, tuple[OverdueMakeup, list[str]]] = {}
    for entry in entries:
        key = entry.cadre_id if entry.cadre_id is not None else (entry.unit, entry.name)
        missed = people.setdefault(key, (entry, []))[1]
        if entry.missed_class and entry.missed_class not in missed:
            missed.append(entry.missed_class)
    return [
        f"{entry.unit}{entry.name}" + (f"（{'、'.join(missed)}）" if missed else "")
        for entry, missed in people.values()
    ]


def circular_name_lists(
    absent: Sequence[Absentee],
    overdue: Sequence[OverdueMakeup],
    carried_absent: Sequence[Absentee] = (),
) -> list:
    """Named lists: absent without approval, absent without approval from the classes
    an earlier circular counted as still in progress, and makeups past their due date."""
    blocks: list = []
    for caption, people in (
        ("无故缺训人员名单", absent),
        ("上期未结班次无故缺训人员名单", carried_absent),
    ):
        if people:
            blocks.append(
                Table(
                    caption=caption,
                    columns=["序号", "姓名", "单位", "缺训班次"],
                    rows=[
                        [i, a.name, a.unit, a.missed_class] for i, a in enumerate(people, start=1)
                    ],
                    widths=[0.8, 1.4, 3.4, 4.0],
                    unbroken=[1],
                )
            )
    if overdue:
        blocks.append(
            Table(
                caption="补训逾期人员名单",
                columns=["序号", "姓名", "单位", "缺训班次", "补训期限"],
                rows=[
                    [i, m.name, m.unit, m.missed_class, m.due_text]
                    for i, m in enumerate(overdue, start=1)
                ],
                widths=[0.8, 1.4, 2.8, 3.0, 2.6],
                unbroken=[1],
            )
        )
    return blocks


def named_paragraphs(
    absent: Sequence[Absentee],
    carried_absent: Sequence[Absentee],
    overdue: Sequence[OverdueMakeup],
    *,
    as_of: str,
    see: str,
) -> list:
    """The paragraphs naming the absentees (this period's, then those of the classes
    still in progress at the earlier circulars) and the overdue makeups, each person of
    the latter once. A line never ends inside a name (`Paragraph.whole`)."""
    paragraphs = []
    for who, people in (("以下同志", absent), ("上期未结班次有以下同志", carried_absent)):
        if people:
            paragraphs.append(
                Paragraph(
                    f"{who}无故缺训，予以通报：{_absentees(people, see)}。"
                    "请所在单位督促其按要求补训。",
                    whole=_names(people[:NAMED_IN_TEXT]),
                )
            )
    if overdue:
        people = _people_once(overdue)
        paragraphs.append(
            Paragraph(
                f"{as_of}，以下{len(people)}名同志补训逾期未完成，予以通报："
                f"{_some_people(people, '人', see)}。请所在单位督促其尽快完成补训。",
                whole=_names(overdue),
            )
        )
    return paragraphs


def _names(people: Iterable[Absentee | OverdueMakeup]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(p.name for p in people if p.name))
