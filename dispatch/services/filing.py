"""Filing (报备): a unit reports a training it organized; the org department reviews."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import change, record_event, snapshot
from core.formatting import format_date
from dispatch.hour_days import concentrated_credits_overlapping
from dispatch.models import Filing, FilingStatus
from dispatch.policy import require_not_own_filing
from ledger.models import HourKind, HourRecord, HourSource
from ledger.services import credit_day_refusal, earliest_credit_day
from org.locks import lock_cadres
from org.policy import require_any

MAX_HOURS_PER_DAY = 8
TENTH = Decimal("0.1")


def filing_days(start_date, end_date, hours) -> Decimal:
    """The training days a filing credits: its hours at MAX_HOURS_PER_DAY (the most a day
    of training holds here, and the indicators' conversion of hours to days), never more
    than the days of its date range. A filing reports its hours, not how many days of its
    range were spent training: a one-day course reported over a month is one day, not
    thirty, so the "or N days" alternative of the indicators cannot be met with 8 hours."""
    span = Decimal((end_date - start_date).days + 1)
    return min(span, (Decimal(hours) / MAX_HOURS_PER_DAY).quantize(TENTH))


def credited_already(participants, start_date, end_date) -> str:
    """The participants already credited with concentrated training on a day from
    `start_date` to `end_date` — a class attended, a filing accepted or a recognized
    request (`dispatch.hour_days.concentrated_credits_overlapping`) — each with what
    credited it ("汪燕庆（班次学时：…）"), or "" when none is: a filing of that training
    would count it twice."""
    credits: dict = {}
    for record in concentrated_credits_overlapping(participants, start_date, end_date):
        source = record.get_source_display()
        credits.setdefault(record.cadre, []).append(
            f"{source}：{record.note}" if record.note else source
        )
    return "；".join(f"{cadre.name}（{'、'.join(what)}）" for cadre, what in credits.items())


def _validate(*, unit, start_date, end_date, hours, participants):
    errors = {}
    earliest = earliest_credit_day()
    if start_date < earliest:
        errors["start_date"] = _(
            "Only training from %(date)s on (the first day of the previous plan period) can "
            "be filed; this one starts on %(start)s."
        ) % {"date": format_date(earliest), "start": format_date(start_date)}
    if end_date < start_date:
        errors["end_date"] = _("A class cannot end before it starts.")
    elif refusal := credit_day_refusal(end_date):
        # Hours are credited for training taken, as the import and recognition do.
        errors["end_date"] = refusal
    hours = Decimal(hours)
    if hours <= 0:
        errors["hours"] = _("Credit hours must be positive.")
    elif end_date >= start_date and hours > ((end_date - start_date).days + 1) * MAX_HOURS_PER_DAY:
        errors["hours"] = _("More than 8 credit hours a day is not plausible.")
    if not participants:
        errors["participants"] = _("List at least one participant.")
    outside = [c.name for c in participants if not c.unit.path.startswith(unit.path)]
    if outside:
        errors["participants"] = _("Not in your unit: %(names)s") % {"names": "、".join(outside)}
    elif participants and end_date >= start_date:
        if credited := credited_already(participants, start_date, end_date):
            errors["participants"] = _(
                "Already credited with concentrated training on days of these dates: "
                "%(credits)s. The same training cannot count twice: remove them from the "
                "filing."
            ) % {"credits": credited}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def filing_submit(
    *,
    actor,
    unit,
    title,
    organizer_name,
    start_date,
    end_date,
    hours,
    participants,
    systematic=False,
) -> Filing:
    """The liaison files a training the unit took part in elsewhere; `systematic`: a
    main or thematic class of a party school, an administrative institute or a cadre
    college, which counts as its participants' systematic training once accepted."""
    require_any(actor, ("act_as_liaison",), unit)
    participants = list(participants)
    _validate(
        unit=unit, start_date=start_date, end_date=end_date, hours=hours, participants=participants
    )
    filing = Filing.objects.create(
        unit=unit,
        title=title,
        organizer_name=organizer_name,
        start_date=start_date,
        end_date=end_date,
        hours=hours,
        systematic=bool(systematic),
        filed_by=actor,
    )
    filing.participants.set(participants)
    after = {**snapshot(filing), "participants": sorted(c.pk for c in participants)}
    record_event(actor=actor, verb="filing.submit", target=filing, after=after)
    return filing


@transaction.atomic
def filing_correct(
    *,
    actor,
    filing,
    title,
    organizer_name,
    start_date,
    end_date,
    hours,
    participants,
    systematic=False,
) -> Filing:
    """The liaison corrects a returned filing and submits it again."""
    filing = Filing.objects.select_for_update().get(pk=filing.pk)
    require_any(actor, ("act_as_liaison",), filing.unit)
    if filing.status != FilingStatus.RETURNED:
        raise ValidationError(_("This step has already been completed by someone else."))
    participants = list(participants)
    _validate(
        unit=filing.unit,
        start_date=start_date,
        end_date=end_date,
        hours=hours,
        participants=participants,
    )
    before = list(filing.participants.values_list("pk", flat=True))
    filing.participants.set(participants)
    return change(
        actor=actor,
        instance=filing,
        verb="filing.correct",
        members={"participants": (before, [c.pk for c in participants])},
        title=title,
        organizer_name=organizer_name,
        start_date=start_date,
        end_date=end_date,
        hours=hours,
        systematic=bool(systematic),
        status=FilingStatus.SUBMITTED,
    )


@transaction.atomic
def filing_review(*, actor, filing, decision: str, comment: str = "") -> Filing:
    """Accept (hours credited as concentrated training), return for correction, or reject
    — a dispatcher reaching the unit, but never one who filed it or whom it credits (回避,
    `dispatch.policy.require_not_own_filing`)."""
    filing = Filing.objects.select_for_update().get(pk=filing.pk)
    require_any(actor, ("issue_dispatch",), filing.unit)
    require_not_own_filing(actor, filing)
    if filing.status != FilingStatus.SUBMITTED:
        raise ValidationError(_("This step has already been completed by someone else."))
    if decision not in (FilingStatus.ACCEPTED, FilingStatus.RETURNED, FilingStatus.REJECTED):
        raise ValidationError({"decision": _("Choose accept, return or reject.")})
    if decision != FilingStatus.ACCEPTED and not (comment or "").strip():
        raise ValidationError({"comment": _("Please give the reason for this decision.")})
    if decision == FilingStatus.ACCEPTED and credit_day_refusal(filing.end_date):
        # A filing submitted before the end date was refused at filing time.
        raise ValidationError(
            {
                "decision": _(
                    "This training ends on %(date)s: it can be accepted from that day on."
                )
                % {"date": format_date(filing.end_date)}
            }
        )
    if decision == FilingStatus.ACCEPTED:
        # Checked again under the participants' locks: a class attended, another filing
        # accepted or a request recognized since it was filed would be counted twice.
        participants = list(filing.participants.all())
        lock_cadres(participants)
        if credited := credited_already(participants, filing.start_date, filing.end_date):
            raise ValidationError(
                {
                    "decision": _(
                        "Already credited with concentrated training on days of this "
                        "filing's dates: %(credits)s. The same training cannot count "
                        "twice: return the filing so that they are removed, or reject it."
                    )
                    % {"credits": credited}
                }
            )
    change(
        actor=actor,
        instance=filing,
        verb=f"filing.{decision}",
        note=comment,
        status=decision,
        review_comment=(comment or "").strip(),
    )
    if decision == FilingStatus.ACCEPTED:
        for cadre in participants:
            record = HourRecord.objects.create(
                cadre=cadre,
                date=filing.end_date,
                hours=filing.hours,
                days=filing_days(filing.start_date, filing.end_date, filing.hours),
                kind=HourKind.CONCENTRATED,
                source=HourSource.FILING,
                source_key=f"filing:{filing.pk}:{cadre.pk}",
                note=filing.title[:255],
            )
            record_event(actor=actor, verb="hours.credit", target=record, after=snapshot(record))
    return filing
