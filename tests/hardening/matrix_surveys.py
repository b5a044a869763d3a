"""The permission matrix's entries for the needs surveys (/surveys/ and the SurveyFlow and
SurveyAnswerFlow under /workflow/): see route_matrix.

The samples, built by `build`: on the city side two surveys of the city's department
(Bob), each sent to unit A (Lily is its liaison); Lily answered the second, so its head
(Alice) holds the approval while the first waits for Lily's answer. On the county side a
survey of the county's department (Carol), sent to unit B, waiting for its liaison (not
one of the roles). A survey is read by whoever reads its department's unit; an answer by
whoever reads the unit."""

from tests.hardening import route_matrix
from tests.hardening.route_matrix import (
    AUTO,
    CITY,
    COUNTY,
    DISPATCHER_PAGE,
    HEAD,
    HUMAN,
    LIAISON,
    NEW,
    ORGANIZERS,
    SIGNED_IN,
    UNITS,
    Expect,
    SampleTask,
    by_reach,
    every,
)

FLOW_APPS = {"SurveyFlow": "survey", "SurveyAnswerFlow": "surveyanswer"}

FLOW_NODES = {
    "survey": {
        "start": AUTO,
        "send_to_units": AUTO,
        "await_reminder": AUTO,
        "remind_unanswered": AUTO,
        "unanswered_due": AUTO,
        "escalate_unanswered": AUTO,
        "end": AUTO,
    },
    "surveyanswer": {
        "start": AUTO,
        "answer": HUMAN,
        "head_approval": HUMAN,
        "approved": AUTO,
        "end": AUTO,
    },
}

SAMPLE_TASKS = {
    ("surveyanswer", "answer", CITY): SampleTask(NEW, frozenset({LIAISON})),
    ("surveyanswer", "answer", COUNTY): SampleTask(NEW),
    ("surveyanswer", "head_approval", CITY): SampleTask(NEW, frozenset({HEAD})),
}

# Who sees a process, and who opens a survey (the loader takes no such tables, so they
# are added to route_matrix's own).
route_matrix.PROCESS_VIEWERS.update({"survey": ORGANIZERS, "surveyanswer": UNITS})
route_matrix.START_PAGES.update({"survey": DISPATCHER_PAGE})

OBJECTS: dict[str, str] = {
    "surveys:detail": "survey",
    "surveys:results": "survey",
}

_GET_ONLY = every({"405"}, SIGNED_IN)

PAGES: dict[str, Expect] = {
    # The list is filtered, never refused, for everyone with a unit.
    "surveys:list": Expect(get=every({"200"}, SIGNED_IN[1:]), post=_GET_ONLY),
    # A survey and its results: its department's readers; 404 for everyone else.
    "surveys:detail": Expect(get=by_reach(ORGANIZERS, {"200"}), post=_GET_ONLY),
    "surveys:results": Expect(get=by_reach(ORGANIZERS, {"200"}), post=_GET_ONLY),
}


def build(world, client, staff, users):
    from surveys.models import SurveyAnswer
    from tests.surveys.kit import answer, answer_data, open_survey

    waiting = open_survey(client, world.bob, world, title="2027年度需求调研")
    # (the next year's: a department opens one survey a year)
    answered = open_survey(client, world.bob, world, year=2028, title="2028年度需求调研")
    row = SurveyAnswer.objects.get(survey=answered, unit=world.a)
    assert (
        answer(client, staff.lily, row, answer_data(["党性教育"], civil_servant=3)).status_code
        == 302
    )
    county = open_survey(client, world.carol, world, org_department=world.county_od.pk)
    return {CITY: {"survey": waiting.pk}, COUNTY: {"survey": county.pk}}
