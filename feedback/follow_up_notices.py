"""Who hears of follow-ups falling due or overdue, in one message each: the heads of each
trainee's unit (not the trainee, a head themselves), and on escalation the dispatchers
over the unit too. Of one follow-up a message reads as it always did (its trainee in the
title); of several, how many and a line each."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.formatting import format_date
from core.i18n import in_site_language
from feedback import policy
from notifications.models import Event
from notifications.services import Entry, notify_each
from org import selectors as org_selectors
from workflow.links import process_url


def _shares(follow_ups, *, dispatchers: bool) -> dict:
    """{user: ({follow-up pk: follow-up} of theirs, whether they head a unit of one)}:
    the heads of each follow-up's unit, and with `dispatchers` those over it, never the
    trainee themselves — one reach query per unit, not per follow-up."""
    reached: dict = {}
    mine: dict = {}
    for follow_up in follow_ups:
        if follow_up.unit_id not in reached:
            unit = follow_up.unit
            people = [(u, True) for u in org_selectors.users_reaching(unit, policy.HEAD_PERMISSION)]
            if dispatchers:
                people += [(u, False) for u in org_selectors.users_reaching(unit, "issue_dispatch")]
            reached[follow_up.unit_id] = people
        for user, is_head in reached[follow_up.unit_id]:
            if user.pk == follow_up.cadre.user_id:
                continue
            theirs, heads_one = mine.get(user, ({}, False))
            theirs[follow_up.pk] = follow_up
            mine[user] = (theirs, heads_one or is_head)
    return {user: (list(theirs.values()), head) for user, (theirs, head) in mine.items()}


def _context(theirs) -> dict:
    """One follow-up named (the single message's), or how many and a line each."""
    first = theirs[0]
    return {
        "cadre_name": first.cadre.name,
        "unit_name": first.unit.name,
        "class_name": first.training_class.name,
        "due": timezone.localtime(min(f.due_at for f in theirs)).date(),
        "count": len(theirs),
        "lines": _lines(theirs) if len(theirs) > 1 else [],
    }


def reminders(follow_ups, *, key: str) -> None:
    """Their answers are due soon: each head once, for all of theirs."""
    entries = []
    for user, (theirs, _head) in _shares(follow_ups, dispatchers=False).items():
        own_key = f"follow_up:{theirs[0].pk}:reminder" if len(theirs) == 1 else key
        entries.append(Entry(user, own_key, _context(theirs), reverse("task_list")))
    notify_each(
        event=Event.REMINDER, template="feedback/events/follow_up_reminder.txt", entries=entries
    )


def escalations(follow_ups, *, key: str) -> None:
    """Overdue: the dispatchers over each unit (to chase the head) and the heads, each
    once for all of theirs: of one, its own page; of several, 我的待办 for a head, the
    feedback report for a dispatcher."""
    entries = []
    for user, (theirs, head) in _shares(follow_ups, dispatchers=True).items():
        if len(theirs) == 1:
            own_key, url = f"follow_up:{theirs[0].pk}:escalation", process_url(theirs[0]) or ""
        else:
            own_key, url = key, reverse("task_list" if head else "feedback:report")
        entries.append(Entry(user, own_key, _context(theirs), url))
    notify_each(
        event=Event.ESCALATION, template="feedback/events/follow_up_escalation.txt", entries=entries
    )


@in_site_language
def _lines(follow_ups) -> list[str]:
    return [
        _("%(cadre_name)s (%(unit_name)s): follow-up after %(class_name)s, answer by %(due)s")
        % {
            "cadre_name": f.cadre.name,
            "unit_name": f.unit.name,
            "class_name": f.training_class.name,
            "due": format_date(timezone.localtime(f.due_at).date()),
        }
        for f in sorted(follow_ups, key=lambda f: (f.due_at, f.pk))
    ]
