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
    """{user: (their follow-ups, whether they head a unit of one)} — one reach query per
    unit, not per follow-up."""
    reached: dict = {}
    mine: dict = {}
    for follow_up in follow_ups:
        if follow_up.unit_id not in reached:
            unit_heads = list(org_selectors.users_reaching(follow_up.unit, policy.HEAD_PERMISSION))
            chasers = (
                list(org_selectors.users_reaching(follow_up.unit, "issue_dispatch"))
                if dispatchers
                else []
            )
            reached[follow_up.unit_id] = (unit_heads, chasers)
        unit_heads, chasers = reached[follow_up.unit_id]
        for user in unit_heads:
            if user.pk != follow_up.cadre.user_id:
                mine.setdefault(user, ([], set()))[0].append(follow_up)
                mine[user][1].add("head")
        for user in chasers:
            if user.pk != follow_up.cadre.user_id:
                entry = mine.setdefault(user, ([], set()))
                if follow_up not in entry[0]:
                    entry[0].append(follow_up)
    return mine


def reminders(follow_ups, *, key: str) -> None:
    """Their answers are due soon: each head once, for all of theirs."""
    entries = []
    for user, (theirs, _roles) in _shares(follow_ups, dispatchers=False).items():
        first = theirs[0]
        context = {
            "cadre_name": first.cadre.name,
            "class_name": first.training_class.name,
            "due": timezone.localtime(min(f.due_at for f in theirs)).date(),
            "count": len(theirs),
            "lines": _lines(theirs) if len(theirs) > 1 else [],
        }
        own_key = f"follow_up:{first.pk}:reminder" if len(theirs) == 1 else key
        entries.append(Entry(user, own_key, context, reverse("task_list")))
    notify_each(
        event=Event.REMINDER, template="feedback/events/follow_up_reminder.txt", entries=entries
    )


def escalations(follow_ups, *, key: str) -> None:
    """Overdue: the dispatchers over each unit (to chase the head) and the heads, each
    once for all of theirs."""
    entries = []
    for user, (theirs, roles) in _shares(follow_ups, dispatchers=True).items():
        first = theirs[0]
        context = {
            "cadre_name": first.cadre.name,
            "unit_name": first.unit.name,
            "class_name": first.training_class.name,
            "count": len(theirs),
            "lines": _lines(theirs) if len(theirs) > 1 else [],
        }
        if len(theirs) == 1:
            entries.append(
                Entry(user, f"follow_up:{first.pk}:escalation", context, process_url(first) or "")
            )
        else:
            url = reverse("task_list") if "head" in roles else reverse("feedback:report")
            entries.append(Entry(user, key, context, url))
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
