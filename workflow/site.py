"""The Viewflow frontend mounted at /workflow/: one app per registered flow (inbox,
queue, processes), every list and page scoped to the user's jurisdiction. Built from
the registry when the URLconf is first loaded, after every app's `ready()`."""

from django.utils.translation import gettext_lazy as _
from viewflow.urls import Site

from workflow import registry
from workflow.viewsets import ScopedFlowAppViewset


def build_site() -> Site:
    return Site(
        title=_("Xundiao"),
        viewsets=[
            *registry.applications(),
            *(ScopedFlowAppViewset(r.flow_class, icon=r.icon) for r in registry.registrations()),
        ],
    )


site = build_site()
