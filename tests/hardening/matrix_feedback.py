"""The permission matrix's entries for the feedback pages (/feedback/) and the
FollowUpFlow under /workflow/: see route_matrix.

The samples, built by `build`: on the city side a finished class of the city's
department where Dave (cadre A, unit A) attended — his evaluation is his alone, and his
follow-up waits for the head of unit A (Alice); on the county side a finished class of the
county's department where a county cadre without an account attended (an evaluation no
one may open) and whose follow-up waits for unit B's head (not one of the roles). The
report pages read the classes in reach (the organizing departments' people and the
school's registrar); the evaluation pages are the trainee's own."""

import datetime as dt

from django.utils import timezone

from dispatch.models import Dispatch, DispatchStatus
from dispatch.services.dispatching import attendance_record
from feedback.flows import start_due_follow_ups
from feedback.models import Evaluation, FollowUp
from tests.factories import cadre, training_class
from tests.hardening import route_matrix
from tests.hardening.route_matrix import (
    AUTO,
    CITY,
    CLASS_READERS,
    COUNTY,
    HEAD,
    HUMAN,
    NEW,
    SIGNED_IN,
    TRAINEE,
    UNITS,
    Expect,
    SampleTask,
    by_reach,
    every,
)

FLOW_APPS = {"FollowUpFlow": "followup"}

FLOW_NODES = {
    "followup": {
        "start": AUTO,
        "complete": HUMAN,
        "complete__timeout": AUTO,
        "remind_complete": AUTO,
        "complete_due": AUTO,
        "escalate_complete": AUTO,
        "deadline_handled": AUTO,
        "end": AUTO,
    },
}

SAMPLE_TASKS = {
    ("followup", "complete", CITY): SampleTask(NEW, frozenset({HEAD})),
    ("followup", "complete", COUNTY): SampleTask(NEW),
}

route_matrix.PROCESS_VIEWERS.update({"followup": UNITS})

OBJECTS: dict[str, str] = {
    "feedback:evaluation": "evaluation",
    "feedback:class_report": "feedback_class",
}

_STAFF = SIGNED_IN[1:]
# A trainee's own evaluation; nobody opens the county's (its cadre has no account).
_OWN = {CITY: {TRAINEE}, COUNTY: set()}

PAGES: dict[str, Expect] = {
    # Every signed-in user has a list of their own evaluations (most an empty one).
    "feedback:evaluations": Expect(get=every({"200"}), post=every({"200"})),
    # An empty POST is refused on the form ("a score from 1 to 5"), nothing written.
    "feedback:evaluation": Expect(get=by_reach(_OWN, {"200"}), post=by_reach(_OWN, {"200"})),
    # The report: a list of the jurisdiction (filtered, never refused), not a trainee's.
    "feedback:report": Expect(get=every({"200"}, _STAFF), post=every({"200"}, _STAFF)),
    "feedback:institutions": Expect(get=every({"200"}, _STAFF), post=every({"200"}, _STAFF)),
    "feedback:class_report": Expect(
        get=by_reach(CLASS_READERS, {"200"}), post=by_reach(CLASS_READERS, {"200"})
    ),
}


def _attended(world, organizer, person, days_ago):
    klass = training_class(
        organizer, world.school, timezone.localdate() - dt.timedelta(days=days_ago)
    )
    dispatch = Dispatch.objects.create(
        training_class=klass,
        cadre=person,
        unit=person.unit,
        status=DispatchStatus.ACKNOWLEDGED,
        confirm_due=timezone.now(),
    )
    attendance_record(actor=world.rita, dispatch=dispatch, result="present")
    return klass, Evaluation.objects.get(dispatch=dispatch)


def build(world, client, staff, users):
    city_class, city_evaluation = _attended(world, world.city_od, world.cadre_a, 200)
    county_cadre = cadre("吴县", world.b, world.county_od)
    county_class, county_evaluation = _attended(world, world.county_od, county_cadre, 210)
    FollowUp.objects.update(due_on=timezone.localdate())
    start_due_follow_ups()
    return {
        CITY: {"evaluation": city_evaluation.pk, "feedback_class": city_class.pk},
        COUNTY: {"evaluation": county_evaluation.pk, "feedback_class": county_class.pk},
    }
