"""Reads of circulars, jurisdiction-filtered."""

from django.db.models import Exists, OuterRef, Q

from circulars.models import Circular
from notifications.reach import subject_in
from org.selectors import units_in_reach


def circular_documents(user) -> Q:
    """Circulars the user may open: those of a department whose jurisdiction holds any of
    the user's units (registered with `notifications.reach` in `CircularsConfig.ready`)."""
    reach = units_in_reach(user)
    circulars = Circular.objects.filter(
        Exists(reach.filter(path__startswith=OuterRef("org_department__jurisdiction__path")))
    )
    return subject_in(Circular, circulars)
