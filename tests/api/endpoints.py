"""How each read endpoint refuses an outsider (contract: tests/api/probes.py). The
outsider is Charlie, head of unit B on the county's side, for rows of unit A; Dave, a
trainee who reaches no unit, for what only staff with a jurisdiction read; Alice for
Dave's own inbox."""

from django.urls import reverse

from tests.api.endpoints_actions import ACTIONS
from tests.api.probes import FILTERED, SIGNED_IN, Endpoint


def _url(name, *args):
    return lambda s: reverse(f"api:{name}", args=[a(s) for a in args])


def _charlie(s):
    return s.world.charlie


def _bob(s):
    return s.world.bob


def _pair(basename, row, insider=_bob):
    """The list hides `row` from Charlie; its detail is a 404 for him."""
    return {
        f"api:{basename}-list": Endpoint(
            url=_url(f"{basename}-list"),
            outsider=_charlie,
            expect=FILTERED,
            hidden=row,
            insider=insider,
        ),
        f"api:{basename}-detail": Endpoint(
            url=_url(f"{basename}-detail", row), outsider=_charlie, expect=404, insider=insider
        ),
    }


READS = {
    **_pair("unit", lambda s: s.world.a.pk),
    **_pair("org-department", lambda s: s.world.city_od.pk),
    **_pair("cadre", lambda s: s.world.cadre_a.pk),
    **_pair("institution", lambda s: s.world.school.pk),
    **_pair("class", lambda s: s.klass.pk),
    **_pair("rollcall", lambda s: s.roll_call.pk),
    **_pair("dispatch", lambda s: s.dispatch_a.pk),
    **_pair("filing", lambda s: s.filing.pk),
    **_pair("makeup", lambda s: s.makeup.pk),
    **_pair("approval", lambda s: s.approval.pk),
    **_pair("hour-record", lambda s: s.hours.pk),
    **_pair("document", lambda s: s.document.pk),
    "api:document-pdf": Endpoint(
        url=_url("document-pdf", lambda s: s.document.pk),
        outsider=_charlie,
        expect=404,
        insider=_bob,
    ),
    "api:compliance-list": Endpoint(
        url=_url("compliance-list"),
        outsider=_charlie,
        expect=FILTERED,
        hidden=lambda s: s.world.cadre_a.pk,
        insider=_bob,
    ),
    # The rules are the same for everyone with a jurisdiction; a trainee has none.
    "api:indicator-rule-list": Endpoint(
        url=_url("indicator-rule-list"), outsider=lambda s: s.world.dave, expect=403, insider=_bob
    ),
    "api:indicator-rule-detail": Endpoint(
        url=lambda s: reverse("api:indicator-rule-detail", args=[_first_rule()]),
        outsider=lambda s: s.world.dave,
        expect=403,
        insider=_bob,
    ),
    "api:notification-list": Endpoint(
        url=_url("notification-list"),
        outsider=lambda s: s.world.alice,
        expect=FILTERED,
        hidden=lambda s: s.notification.pk,
        insider=lambda s: s.world.dave,
    ),
    "api:notification-detail": Endpoint(
        url=_url("notification-detail", lambda s: s.notification.pk),
        outsider=lambda s: s.world.bob,
        expect=404,
        insider=lambda s: s.world.dave,
    ),
    "api:schema": Endpoint(url=_url("schema"), outsider=_charlie, expect=SIGNED_IN),
    "api:docs": Endpoint(url=_url("docs"), outsider=_charlie, expect=SIGNED_IN, anonymous=(302,)),
    "api:redoc": Endpoint(url=_url("redoc"), outsider=_charlie, expect=SIGNED_IN, anonymous=(302,)),
    # Any path that names no endpoint: a JSON 404 for everyone, signed in or not.
    "api:not_found": Endpoint(
        url=lambda s: "/api/v1/no-such-endpoint/", outsider=_charlie, expect=404, anonymous=(404,)
    ),
}


def _first_rule():
    from ledger.models import IndicatorRule

    return IndicatorRule.objects.order_by("pk").values_list("pk", flat=True).first()


ENDPOINTS = {**READS, **ACTIONS}
