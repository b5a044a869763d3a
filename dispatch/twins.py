"""Twins of a training class or of a curriculum session: the same one entered twice (a
double click on a submit button, two dispatchers at once), which would split the
dispatches, the attendance or the hours between the two. Each is refused with a message
naming the one already there, by every door that writes it (`services.classes`,
`services.curriculum`, the plan's publication). Under concurrency the database holds
the class rule (the constraint `class_once`); a class's sessions are written under its
row lock (`services.curriculum.class_session_save`), which holds theirs."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.formatting import format_date, format_hours
from dispatch.models import ClassSession, TrainingClass

#: Two classes are twins when they share their name, institution and dates.
CLASS_KEY = ("name", "institution_id", "start_date", "end_date")

#: Two sessions of a class are twins when they share their day, title, content, teacher
#: and hours. A session has no time of day, and one published from a plan line without a
#: title is titled by its content (`planning.lines`): two theory sessions of a day differ
#: by their teachers or hours, two otherwise alike by their titles.
SESSION_KEY = ("training_class_id", "date", "title", "content", "teacher", "hours")


def class_key(training_class) -> tuple | None:
    """The class's `CLASS_KEY` values; None while one is missing."""
    key = tuple(getattr(training_class, field) for field in CLASS_KEY)
    return None if any(value in (None, "") for value in key) else key


def class_twin(training_class) -> TrainingClass | None:
    """The other class with the same name, institution and dates, if any."""
    key = class_key(training_class)
    if key is None:
        return None
    twins = TrainingClass.objects.filter(**dict(zip(CLASS_KEY, key, strict=True)))
    if training_class.pk is not None:
        twins = twins.exclude(pk=training_class.pk)
    return twins.select_related("institution__unit", "organizer__unit").order_by("pk").first()


def class_twins(keys) -> dict[tuple, TrainingClass]:
    """{key: the class holding it} for each of `keys` (`class_key`s) a class holds: for
    the callers that judge many classes at once (the plan's lines)."""
    keys = {key for key in keys if key is not None}
    if not keys:
        return {}
    found = TrainingClass.objects.filter(
        name__in={key[0] for key in keys}, institution_id__in={key[1] for key in keys}
    ).select_related("institution__unit", "organizer__unit")
    twins: dict[tuple, TrainingClass] = {}
    for klass in found.order_by("pk"):
        twins.setdefault(class_key(klass), klass)
    return {key: twins[key] for key in keys if key in twins}


def class_twin_message(twin: TrainingClass) -> str:
    """The refusal of a class the same as `twin`, naming it."""
    return _(
        "%(institution)s already holds a class of this name on these dates: %(name)s "
        "(class number %(number)s, organized by %(organizer)s, %(start)s to %(end)s)."
    ) % {
        "institution": twin.institution.name,
        "name": twin.name,
        "number": twin.pk,
        "organizer": twin.organizer.unit.name,
        "start": format_date(twin.start_date),
        "end": format_date(twin.end_date),
    }


def class_twin_refusal(training_class) -> str | None:
    """Why `training_class`, new or changed, cannot be saved: another class has its name,
    institution and dates. None when it may."""
    twin = class_twin(training_class)
    return None if twin is None else class_twin_message(twin)


def require_class_once(training_class) -> None:
    """`class_twin_refusal`, raised as a ValidationError on the class's name."""
    if refusal := class_twin_refusal(training_class):
        raise ValidationError({"name": refusal})


def session_twin(session) -> ClassSession | None:
    """The other session of the class alike in its `SESSION_KEY`, if `session` (new, or
    changed in its key) would be its twin."""
    values = {field: getattr(session, field) for field in SESSION_KEY}
    if any(value in (None, "") for value in values.values()):
        return None
    twins = ClassSession.objects.filter(**values)
    if session.pk is not None:
        stored = ClassSession.objects.filter(pk=session.pk).values(*SESSION_KEY).first()
        if stored == values:
            return None  # alike before this change (published so): not made a twin now
        twins = twins.exclude(pk=session.pk)
    return twins.order_by("pk").first()


def session_twin_refusal(session) -> str | None:
    """Why `session`, new or changed, cannot be saved: its class already has it (the
    same day, title, content, teacher and hours). None when it may."""
    twin = session_twin(session)
    if twin is None:
        return None
    return _(
        "The class already has the session “%(title)s” on %(date)s (%(content)s, "
        "%(hours)s hours, taught by %(teacher)s): a session is entered once; two alike on "
        "one day are told apart by their titles."
    ) % {
        "title": twin.title,
        "date": format_date(twin.date),
        "content": twin.get_content_display(),
        "hours": format_hours(twin.hours),
        "teacher": twin.teacher,
    }
