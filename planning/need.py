"""The year's needs survey (需求调研) beside the plan drafted from it: what the units asked
for — cadres needing training per category, the months they prefer, the topics they
want — against the classes and seats the plan offers."""

from collections import defaultdict

from planning.models import Plan
from surveys.models import Survey
from surveys.selectors import survey_results, surveys_in_reach

#: the most wanted topics the plan page lists (the survey's results page has them all)
TOPICS_SHOWN = 10


def plan_survey(user, plan: Plan) -> Survey | None:
    """The needs survey of the plan's department for the plan's year (one a year), if the
    user may read it."""
    return (
        surveys_in_reach(user)
        .filter(org_department=plan.org_department_id, year=plan.year)
        .order_by("-created_at", "-pk")
        .first()
    )


def need_against_plan(plan: Plan, survey: Survey) -> dict:
    """The survey's approved answers beside the plan's classes (its lines not removed).

    {"units": {total, approved, pending}, "cadres": total needing training,
     "categories": [{category, label, cadres, units, classes, seats}] of the categories
        asked for or offered — a class open to several categories counts under each,
     "open_to_all": {classes, seats} of the classes naming no category,
     "months": [{month, units, cadres, classes, seats}] of the months that any unit
        prefers or any class starts in (within the plan's year),
     "topics": the most wanted topics, "more_topics": whether there are more}

    Four queries, however many lines and answers."""
    results = survey_results(survey)
    by_category: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_month: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    open_to_all = [0, 0]
    lines = plan.lines.active().values_list("target_categories", "start_date", "seats")
    for targets, start, seats in lines:
        for tally in [by_category[c] for c in set(targets or ())] or [open_to_all]:
            tally[0] += 1
            tally[1] += seats
        if start.year == plan.year:
            by_month[start.month][0] += 1
            by_month[start.month][1] += seats
    categories = [
        {
            **row,
            "classes": by_category[row["category"]][0],
            "seats": by_category[row["category"]][1],
        }
        for row in results["categories"]
        if row["cadres"] or by_category[row["category"]][0]
    ]
    months = [
        {**row, "classes": by_month[row["month"]][0], "seats": by_month[row["month"]][1]}
        for row in results["months"]
        if row["units"] or by_month[row["month"]][0]
    ]
    topics = [row for row in results["topics"] if row["units"]]
    return {
        "units": results["units"],
        "cadres": results["cadres"],
        "categories": categories,
        "open_to_all": {"classes": open_to_all[0], "seats": open_to_all[1]},
        "months": months,
        "topics": topics[:TOPICS_SHOWN],
        "more_topics": len(topics) > TOPICS_SHOWN,
    }
