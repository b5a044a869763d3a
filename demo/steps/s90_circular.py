"""The demo's circular: the city's circular for the last finished quarter, started as the
schedule starts it and drafted by the city's dispatcher, awaiting the head's approval.

It comes last, once every dispatch, attendance, makeup and hour it counts is there, so
its figures and the text drafted from them are those of the demo as seeded."""

import datetime as dt

from django.contrib.auth import get_user_model

from circulars.documents import generated_text
from circulars.flows import CircularFlow, start_scheduled_circular
from circulars.management.commands.start_circulars import last_finished_period
from circulars.models import Circular
from circulars.services import circular_draft
from org.models import OrgDepartment
from workflow.runtime import complete_task, open_task, processes_of

#: what the drafter adds after the generated text
CLOSING = "请各单位对照检查、抓好整改。"


def run(today: dt.date) -> bool:
    city = OrgDepartment.objects.filter(unit__code="xx-zzb").first()
    dispatcher = get_user_model().objects.filter(username="xx.dispatcher").first()
    if city is None or dispatcher is None or Circular.objects.exists():
        return False
    start, end = last_finished_period("quarter", today)
    circular = start_scheduled_circular(
        org_department=city, period_kind="quarter", start=start, end=end
    )
    process = processes_of(circular, CircularFlow).get()
    complete_task(
        open_task(process, "draft"),
        dispatcher,
        # The drafter keeps the generated text (one body, one salutation) and adds a
        # closing request of its own.
        lambda: circular_draft(
            actor=dispatcher,
            circular=circular,
            title=circular.title,
            body=generated_text(circular) + "\n" + CLOSING,
        ),
    )
    return True
