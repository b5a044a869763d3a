"""The permission matrix's entries for a class's curriculum (adding and changing
sessions): see route_matrix. Those who read the class reach the pages; of them the
organizing department's dispatchers and the institution's registrar (Rita) keep the
curriculum, the others get 403. An empty POST is the form again, with its errors.

The samples: on each side, a session of the side's first class."""

from decimal import Decimal

from dispatch.models import ClassSession, TrainingClass
from tests.hardening.route_matrix import (
    CITY,
    CITY_DISPATCHER,
    CLASS_READERS,
    COUNTY,
    COUNTY_DISPATCHER,
    REFUSAL,
    REGISTRAR,
    Expect,
    by_reach,
)

OBJECTS: dict[str, str] = {
    "class_session_create": "class",
    "class_session_edit": "class_session",
}

KEEPERS = by_reach(
    CLASS_READERS,
    REFUSAL,
    lacking={REGISTRAR: {"200"}, CITY_DISPATCHER: {"200"}, COUNTY_DISPATCHER: {"200"}},
)

PAGES: dict[str, Expect] = {
    "class_session_create": Expect(get=KEEPERS, post=KEEPERS),
    "class_session_edit": Expect(get=KEEPERS, post=KEEPERS),
}


def build(world, client, staff, users):
    samples = {}
    for side, organizer in ((CITY, world.city_od), (COUNTY, world.county_od)):
        training_class = TrainingClass.objects.filter(organizer=organizer).order_by("pk").first()
        session = ClassSession.objects.create(
            training_class=training_class,
            date=training_class.start_date,
            title="习近平新时代中国特色社会主义思想概论",
            hours=Decimal(4),
            teacher="王教授",
            content="theory",
        )
        samples[side] = {"class_session": session.pk}
    return samples
