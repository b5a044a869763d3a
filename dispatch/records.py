"""Reads, filtered to what a user may see.

Jurisdiction: a user holds a permission on some units (directly or through a group);
the permission reaches those units and every unit below them. Each selector below is a
single SQL query: the grants are joined in a subquery on the materialized path, never
expanded in Python.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, Sum
from django.db.models.functions import ExtractYear
from django.utils import timezone

from core.formatting import format_date, format_hours
from dispatch.leadership import cadre_cycles
from dispatch.selectors import classes_in_reach
from ledger import flows as ledger_flows
from ledger.models import HourRecord
from notifications.models import DocumentKind
from notifications.reach import documents_visible_to


def _tenth(total) -> Decimal:
    """A sum of hours as the ledger keeps hours, to one decimal place: SQLite sums them
    as floats (308.600000000000, 0.30000000000000004)."""
    return Decimal(format_hours(total)).quantize(Decimal("0.1"))


def _hours_by_kind_and_year(cadre) -> list[dict]:
    """The recognized hours per year, concentrated, online and their total, newest year
    first, each to one decimal place (`_tenth`)."""
    zero = Decimal("0.0")
    by_year: dict[int, dict] = {}
    for row in (
        HourRecord.objects.filter(cadre=cadre, status="recognized")
        .annotate(year=ExtractYear("date"))
        .values("year", "kind")
        .annotate(total=Sum("hours"))
        .order_by("-year", "kind")
    ):
        year = by_year.setdefault(
            row["year"], {"year": row["year"], "concentrated": zero, "online": zero}
        )
        year[row["kind"]] = _tenth(row["total"])
    return [{**year, "total": year["concentrated"] + year["online"]} for year in by_year.values()]


@dataclass
class RecordEvent:
    """One line of a training record's timeline."""

    date: dt.date
    kind: str  # what sort of event, in words
    what: str
    status: str
    links: list[tuple[str, str]] = field(default_factory=list)  # (label, url) the viewer may open
    overdue: bool = False
    order: tuple = ()  # ties on one day: the order below, then the row's id


# Ties on one day read in this order (newest first: the reverse).
_EVENT_ORDER = {"dispatch": 0, "request": 1, "makeup": 2, "filing": 3, "recognition": 4, "hours": 5}


def training_record(cadre, user=None, today: dt.date | None = None) -> dict:
    """The cadre's training record (培训档案): one timeline, newest first, of dispatches
    (class and status), leave/deferral/exemption requests and their decision, makeups
    (owed, scheduled, attended, overdue), hour-recognition requests and their decision,
    filings the cadre took part in, and the hour records of the ledger (those of a
    recognition request are that request's line); the hours by kind and year; for a
    leadership-team member or an outstanding young cadre, their training cycles.

    Each line links to the pages `user` may open: process pages of the flows whose scope
    the user's jurisdiction reaches, classes in reach, issued notices the user may read
    and a trainee's own open acknowledgement. A fixed number of queries, however long
    the record."""
    from django.contrib.contenttypes.models import ContentType
    from django.urls import reverse
    from django.utils.translation import gettext as _
    from viewflow.workflow.models import Process

    from approvals.flows import ApprovalFlow
    from approvals.models import ApprovalRequest
    from dispatch import flows
    from dispatch.models import Dispatch, DispatchKind, Filing, Makeup, MakeupStatus, RequestKind
    from dispatch.notices import acknowledge_task_urls
    from ledger.models import HourSource

    today = today or timezone.localdate()
    ct = ContentType.objects.get_for_models(Dispatch, HourRecord, Makeup, Filing, ApprovalRequest)
    dispatches = list(
        Dispatch.objects.filter(cadre=cadre)
        .select_related("training_class__institution__unit")
        .order_by("-training_class__start_date", "-pk")
    )
    makeups = list(
        Makeup.objects.filter(cadre=cadre).select_related("source__training_class").order_by("pk")
    )
    records = list(HourRecord.objects.filter(cadre=cadre).order_by("-date", "-pk"))
    recognitions = [r for r in records if r.source == HourSource.RECOGNITION]
    filings = list(Filing.objects.filter(participants=cadre).order_by("-start_date", "-pk"))
    requests = list(
        ApprovalRequest.objects.filter(
            Q(
                subject_type=ct[Dispatch],
                subject_id__in=Dispatch.objects.filter(cadre=cadre).values("pk"),
            )
            | Q(subject_type=ct[HourRecord], subject_id__in=[r.pk for r in recognitions])
        ).order_by("created_at", "pk")
    )
    dispatch_requests = [r for r in requests if r.subject_type_id == ct[Dispatch].pk]
    recognition_request = {
        r.subject_id: r for r in requests if r.subject_type_id == ct[HourRecord].pk
    }

    # What the viewer may open: the process pages each flow shows them (the flow's own
    # `visible_artifacts`: e.g. a dispatch also to the departments managing the cadre),
    # classes in reach, notices they may read, their own acknowledgement.
    artifacts = {
        "DispatchFlow": (flows.DispatchFlow, [d.pk for d in dispatches]),
        "ApprovalFlow": (ApprovalFlow, [r.pk for r in requests]),
        "MakeupFlow": (flows.MakeupFlow, [m.pk for m in makeups]),
        "RecognitionFlow": (ledger_flows.RecognitionFlow, [r.pk for r in recognitions]),
        "FilingFlow": (flows.FilingFlow, [f.pk for f in filings]),
    }
    process_url: dict[tuple[str, int], str] = {}
    wanted = Q(pk__in=[])
    for flow_class, pks in artifacts.values():
        if user is None or not pks:
            continue
        flow = flow_class.instance
        visible = list(flow.visible_artifacts(user).filter(pk__in=pks).values_list("pk", flat=True))
        if visible:
            wanted |= Q(
                flow_class=flow_class,
                artifact_content_type=ct[flow.artifact_model],
                artifact_object_id__in=visible,
            )
    names = {flow_class: name for name, (flow_class, _pks) in artifacts.items()}
    for flow_class, object_id, pk in (
        Process.objects.filter(wanted)
        .order_by("pk")
        .values_list("flow_class", "artifact_object_id", "pk")
        if user is not None
        else ()
    ):
        name = names.get(flow_class)
        if name:
            process_url[(name, object_id)] = flow_class.instance.reverse(
                "process_detail", args=[pk]
            )
    class_ids = {d.training_class_id for d in dispatches}
    classes = (
        set(classes_in_reach(user).filter(pk__in=class_ids).values_list("pk", flat=True))
        if user is not None and class_ids
        else set()
    )
    notices: dict[int, list] = {}
    if user is not None and dispatches:
        from django.db.models import Max

        documents = (
            documents_visible_to(user)
            .filter(subject_type=ct[Dispatch], subject_id__in=[d.pk for d in dispatches])
            .values("subject_id", "kind")
            .annotate(latest=Max("pk"))
            .order_by("subject_id", "kind")
        )
        for row in documents:
            notices.setdefault(row["subject_id"], []).append((row["kind"], row["latest"]))
    acknowledge = {}
    if user is not None and cadre.user_id == user.pk:
        acknowledge = acknowledge_task_urls(d for d in dispatches if d.status == "notified")

    def process_link(flow_name, pk):
        url = process_url.get((flow_name, pk))
        return [(_("Process"), url)] if url else []

    events: list[RecordEvent] = []
    for d in dispatches:
        klass = d.training_class
        links = process_link("DispatchFlow", d.pk)
        if klass.pk in classes:
            links.append((_("Training class"), reverse("class_detail", args=[klass.pk])))
        for kind, document_id in notices.get(d.pk, []):
            # labelled by kind: the trainee's 入学通知 (or 补训通知), never 调训通知
            label = DocumentKind(kind).label if kind in DocumentKind.values else _("Notice")
            links.append((label, reverse("document_download", args=[document_id])))
        if d.pk in acknowledge:
            links.append((_("Acknowledge"), acknowledge[d.pk]))
        status = d.get_status_display()
        if d.hours_credited:
            status = _("%(status)s, %(hours)s hours") % {
                "status": status,
                "hours": d.hours_credited,
            }
        events.append(
            RecordEvent(
                date=klass.start_date,
                kind=_("Makeup dispatch") if d.kind == DispatchKind.MAKEUP else _("Dispatch"),
                what=_("%(class)s (%(start)s – %(end)s, %(institution)s)")
                % {
                    "class": klass.name,
                    "start": format_date(klass.start_date),
                    "end": format_date(klass.end_date),
                    "institution": klass.institution.unit.name,
                },
                status=status,
                links=links,
                order=(_EVENT_ORDER["dispatch"], d.pk),
            )
        )
    dispatch_by_pk = {d.pk: d for d in dispatches}
    for r in dispatch_requests:
        dispatch = dispatch_by_pk.get(r.subject_id)
        kind = RequestKind(r.kind).label if r.kind in RequestKind.values else r.kind
        events.append(
            RecordEvent(
                date=timezone.localdate(r.created_at),
                kind=_("%(kind)s request") % {"kind": kind},
                what=_("%(class)s: %(reason)s")
                % {
                    "class": dispatch.training_class.name if dispatch else "",
                    "reason": r.reason,
                },
                status=r.get_status_display(),
                links=process_link("ApprovalFlow", r.pk),
                order=(_EVENT_ORDER["request"], r.pk),
            )
        )
    for m in makeups:
        overdue = m.escalated or (
            m.status in (MakeupStatus.OWED, MakeupStatus.SCHEDULED) and m.due_date < today
        )
        status = m.get_status_display()
        if overdue:
            status = _("%(status)s, overdue") % {"status": status}
        events.append(
            RecordEvent(
                date=timezone.localdate(m.created_at),
                kind=_("Makeup training"),
                # The reason's label may hold its own parentheses (退学（…）): listed, not
                # bracketed.
                what=_("Missed class: %(class)s; reason: %(reason)s; due by %(due)s")
                % {
                    "class": m.source.training_class.name,
                    "reason": m.get_reason_display(),
                    "due": format_date(m.due_date),
                },
                status=status,
                links=process_link("MakeupFlow", m.pk),
                overdue=overdue,
                order=(_EVENT_ORDER["makeup"], m.pk),
            )
        )
    for f in filings:
        events.append(
            RecordEvent(
                date=f.start_date,
                kind=_("Filing"),
                what=_("%(title)s (%(organizer)s, %(start)s – %(end)s, %(hours)s hours)")
                % {
                    "title": f.title,
                    "organizer": f.organizer_name,
                    "start": format_date(f.start_date),
                    "end": format_date(f.end_date),
                    "hours": f.hours,
                },
                status=f.get_status_display(),
                links=process_link("FilingFlow", f.pk),
                order=(_EVENT_ORDER["filing"], f.pk),
            )
        )
    for h in records:
        described = {
            "hours": h.hours,
            "kind": h.get_kind_display(),
            "date": format_date(h.date),
            "note": h.note,
        }
        if h.source == HourSource.RECOGNITION:
            request = recognition_request.get(h.pk)
            links = process_link("RecognitionFlow", h.pk)
            if request is not None:
                links += [
                    (_("Approval"), url) for _label, url in process_link("ApprovalFlow", request.pk)
                ]
            events.append(
                RecordEvent(
                    date=timezone.localdate(h.created_at),
                    kind=_("Hour recognition"),
                    what=_("%(hours)s hours of %(kind)s on %(date)s — %(note)s") % described,
                    status=h.get_status_display(),
                    links=links,
                    order=(_EVENT_ORDER["recognition"], h.pk),
                )
            )
            continue
        events.append(
            RecordEvent(
                date=h.date,
                kind=_("Credit hours"),
                what=_("%(hours)s hours of %(kind)s (%(source)s) %(note)s")
                % {**described, "source": h.get_source_display()},
                status=h.get_status_display(),
                order=(_EVENT_ORDER["hours"], h.pk),
            )
        )
    events.sort(key=lambda e: (e.date, e.order), reverse=True)

    hours_by_year = _hours_by_kind_and_year(cadre)
    return {
        "timeline": events,
        "hours_by_year": hours_by_year,
        "dispatches": dispatches,
        "makeups": makeups,
        "filings": filings,
        # The leadership-team and young-cadre cycles (none for other cadres).
        "cycles": cadre_cycles(cadre, today),
    }
