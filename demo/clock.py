"""The demo's clock: the walk does each thing on the day it would have been done.

The flows refuse to name cadres to, or confirm them for, a class that has begun (the
services ask `timezone.localdate()`), and every notice, number, deadline and audit event
takes its date from the clock. So the demo's past — the roll calls of the classes already
under way or over, their confirmations and attendance — runs with the clock moved back to
its day (time-machine: `timezone.now()`, `timezone.localdate()` and `date.today()` all
read it), and leaves the documents, document numbers and deadlines it would have left
then. The classes keep their dates throughout."""

import contextlib
import datetime as dt

import time_machine
from django.utils import timezone

#: the hour of the working day at which a step of the past is done
HOUR = 9


@contextlib.contextmanager
def on(day: dt.date, hour: int = HOUR):
    """Run the block as if at `hour` o'clock (local time) on `day`, a day before today;
    the clock ticks on from there, so what the block does keeps its order."""
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))
    if moment > timezone.now():
        raise ValueError(f"The demo's clock only moves back: {moment} is still to come.")
    with time_machine.travel(moment, tick=True):
        yield
