"""The plan pages' forms, and the plain-text parts of a line (seats per unit, cadres
named, sessions): read into what `planning.services.line_add`/`line_change` take, and
written back from a line to prefill its change."""

import datetime as dt
import re

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.validation import REASON_MAX_LENGTH
from core.widgets import DateInput, DateTimeInput
from dispatch.models import (
    ClassKind,
    ClassSession,
    Institution,
    SessionContent,
    SessionMethod,
)
from org import idnumber
from org import selectors as org_selectors
from org.models import CadreCategory, OrgDepartment, PathWithin
from planning.models import LineMode


class PlanStartForm(forms.Form):
    org_department = forms.ModelChoiceField(
        label=_("Organization department"), queryset=OrgDepartment.objects.none()
    )
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("Title"), max_length=200, required=False)


class PlanSubmitForm(forms.Form):
    deadline = forms.DateTimeField(label=_("Consultation deadline"), widget=DateTimeInput())


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=REASON_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )


class LineForm(forms.Form):
    """A class of the plan. Seats per unit, cadres named and sessions are lines of text:
    ``unit code: seats``, ``ID number or name`` and
    ``date, hours, content[/method], teacher, leading(1/0), title``."""

    name = forms.CharField(label=_("Class name"), max_length=128)
    institution = forms.ModelChoiceField(
        label=_("Institution"), queryset=Institution.objects.select_related("unit")
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=ClassKind.choices)
    start_date = forms.DateField(label=_("Start date"), widget=DateInput())
    end_date = forms.DateField(label=_("End date"), widget=DateInput())
    report_date = forms.DateField(label=_("Report date"), widget=DateInput(), required=False)
    dispatch_date = forms.DateField(
        label=_("Dispatch date"),
        widget=DateInput(),
        required=False,
        help_text=_("When the roll call starts; by default 30 days before the report date."),
    )
    hours = forms.DecimalField(label=_("Hours"), max_digits=6, decimal_places=1, min_value=0.1)
    days = forms.IntegerField(label=_("Days"), min_value=1, max_value=366)
    seats = forms.IntegerField(label=_("Seats"), min_value=1, max_value=10_000)
    target_categories = forms.MultipleChoiceField(
        label=_("Target cadre categories"),
        choices=CadreCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    mode = forms.ChoiceField(label=_("Mode"), choices=LineMode.choices)
    allocations = forms.CharField(
        label=_("Seats per unit"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One unit a line: unit code: seats"),
    )
    cadres = forms.CharField(
        label=_("Cadres named"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For a named roll call: one cadre a line, ID number or name"),
    )
    partner = forms.ModelChoiceField(
        label=_("Partner organization department"),
        queryset=OrgDepartment.objects.select_related("unit"),
        required=False,
    )
    partner_seats = forms.IntegerField(
        label=_("Seats offered to the partner"), min_value=0, max_value=10_000, required=False
    )
    sessions = forms.CharField(
        label=_("Sessions"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "One session a line: date, hours, content, teacher, leading cadre (1/0), title. "
            "Content: theory, party spirit, professional, case teaching or interactive. A "
            "session taught by cases or interactively gives its method after the content "
            "and a slash (without one it is a lecture), e.g. "
            "2027-03-02, 4, party spirit/case teaching, 张三, 1, 基层党建案例"
        ),
    )


class PartnerNominateForm(forms.Form):
    cadres = forms.CharField(
        label=_("ID numbers or names of the cadres"),
        max_length=5_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One cadre a line."),
    )


_SESSION_FORMAT = _("Line %(n)d: date, hours, content, teacher, leading cadre (1/0), title")


def parse_allocations(user, text) -> list[tuple]:
    """``unit code: seats`` one a line → (unit, seats) pairs, the units looked up among
    those the dispatcher may give seats to (`issue_dispatch`); a unit out of reach reads
    as not found, on the form, as an unknown code does (the service refuses it too)."""
    lines = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        if not raw.strip():
            continue
        code, _sep, seats = raw.replace("：", ":").partition(":")
        # decimal digits only (full-width ones too): "²" is a digit to str.isdigit, not
        # a number to int()
        if not code.strip() or not seats.strip().isdecimal():
            raise ValidationError(
                {"allocations": gettext("Line %(n)d: unit code: seats") % {"n": number}}
            )
        lines.append((number, code.strip(), int(seats)))
    reach = org_selectors.units_in_reach(user, "issue_dispatch").filter(
        code__in={code for _n, code, _s in lines}
    )
    units = {u.code: u for u in reach}
    for number, code, _seats in lines:
        if code not in units:
            raise ValidationError(
                {
                    "allocations": gettext(
                        "Line %(n)d: unit code “%(code)s” does not exist or is not in your "
                        "jurisdiction."
                    )
                    % {"n": number, "code": code}
                }
            )
    return [(units[code], seats) for _n, code, seats in lines]


def _key(text) -> str:
    """A content or method as typed, compared without case, spaces or underscores."""
    return re.sub(r"[\s_]", "", str(text)).casefold()


def _choice_keys(choices) -> dict[str, str]:
    keys = {}
    for value, label in choices:
        keys[_key(value)] = value
        keys[_key(label)] = value
    return keys


def _content_and_method(token) -> tuple[str, str]:
    """``content`` or ``content/method``, each as its code or its label (a label may
    itself hold a slash: "Interactive / field study"). What matches neither is passed on
    as typed, for the service to refuse."""
    contents = _choice_keys(SessionContent.choices)
    methods = _choice_keys(SessionMethod.choices)
    token = token.replace("／", "/").strip()
    if _key(token) in contents:
        return contents[_key(token)], ""
    slashes = [i for i, ch in enumerate(token) if ch == "/"]
    for i in slashes:
        content, method = token[:i], token[i + 1 :]
        if _key(content) in contents and _key(method) in methods:
            return contents[_key(content)], methods[_key(method)]
    if slashes:
        content, method = token[: slashes[-1]], token[slashes[-1] + 1 :]
        return (
            contents.get(_key(content), content.strip()),
            methods.get(_key(method), method.strip()),
        )
    return token, ""


#: how a session line says whether a leading cadre teaches it (blank: no)
LEADING_YES = ("1", "是", "yes", "true")
LEADING_NO = ("", "0", "否", "no", "false")


def parse_sessions(text) -> list[dict]:
    """``date, hours, content[/method], teacher, leading cadre (1/0), title`` one a line
    (commas full- or half-width; a title may hold commas) → the sessions' dicts."""
    rows = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        if not raw.strip():
            continue
        parts = [p.strip() for p in raw.replace("，", ",").split(",")]
        try:
            date = dt.date.fromisoformat(parts[0])
            hours, token = parts[1], parts[2]
        except (IndexError, ValueError):
            raise ValidationError({"sessions": str(_SESSION_FORMAT) % {"n": number}}) from None
        content, method = _content_and_method(token)
        leading = parts[4].lower() if len(parts) > 4 else ""
        if leading not in LEADING_YES + LEADING_NO:
            raise ValidationError(
                {
                    "sessions": _(
                        "Line %(n)d: write 1 or 0 for whether a leading cadre teaches, not "
                        "%(value)s."
                    )
                    % {"n": number, "value": parts[4][:20]}
                }
            )
        rows.append(
            {
                "date": date,
                "hours": hours,
                "content": content,
                "method": method,
                "teacher": parts[3] if len(parts) > 3 else "",
                "by_leading_cadre": leading in LEADING_YES,
                "title": "，".join(p for p in parts[5:] if p),
            }
        )
    return rows


def named_cadres(user, text, *, current=(), department=None) -> list:
    """The cadres of a named line, one a line by ID number or name, looked up among the
    cadres the dispatcher may name (others read as not found) — of them, only those in
    the jurisdiction of `department` (the plan's), when given: a cadre of the
    dispatcher's found outside it is refused by name, and shares no name with those
    inside. A name two of them share must be given as the ID number, unless exactly
    one of them is among `current` (the line's cadres, when it is changed)."""
    keys = list(dict.fromkeys(k.strip() for k in (text or "").splitlines() if k.strip()))
    if not keys:
        return []
    # An ID number is matched as stored (its check character X upper case).
    numbers = {k: idnumber.normalize(k) for k in keys}
    reach = org_selectors.cadres_in_reach(user, "issue_dispatch").filter(
        Q(id_number__in=set(numbers.values())) | Q(name__in=keys)
    )
    within = reach
    if department is not None:
        within = reach.filter(PathWithin(F("unit__path"), department.jurisdiction.path))
    by_id, by_name = {}, {}
    for c in within:
        by_id[c.id_number] = c
        by_name.setdefault(c.name, []).append(c)
    missing = [k for k in keys if numbers[k] not in by_id and k not in by_name]
    if missing and department is not None:
        elsewhere = {k for c in reach.exclude(pk__in=within) for k in (c.id_number, c.name)}
        outside = [k for k in missing if numbers[k] in elsewhere or k in elsewhere]
        if outside:
            raise ValidationError(
                {
                    "cadres": gettext("Outside the jurisdiction of %(department)s: %(names)s")
                    % {"department": department.unit.name, "names": "、".join(outside)}
                }
            )
    if missing:
        raise ValidationError(
            {"cadres": gettext("Not found: %(names)s") % {"names": "、".join(missing)}}
        )
    kept = {c.pk for c in current}
    chosen, shared = [], []
    for k in keys:
        if numbers[k] in by_id:
            chosen.append(by_id[numbers[k]])
            continue
        candidates = by_name[k]
        if len(candidates) > 1:
            candidates = [c for c in candidates if c.pk in kept]
        if len(candidates) == 1:
            chosen.append(candidates[0])
        else:
            shared.append(k)
    if shared:
        raise ValidationError(
            {
                "cadres": gettext("Several cadres are named %(names)s: give the ID number.")
                % {"names": "、".join(shared)}
            }
        )
    return chosen


def session_text(sessions) -> str:
    """Planned sessions written back as the form's lines (labels in the user's language;
    a lecture's method left out)."""
    rows = []
    for s in sessions:
        token = s.get_content_display()
        if s.method != SessionMethod.LECTURE:
            token = f"{token}/{s.get_method_display()}"
        rows.append(
            f"{s.date.isoformat()}, {s.hours}, {token}, {s.teacher}, "
            f"{1 if s.by_leading_cadre else 0}, {s.title}"
        )
    return "\n".join(rows)


def line_initial(line) -> dict:
    """The change form of `line`, filled with what it holds now. Cadres by name (an ID
    number is never shown whole); a shared name is resolved to the one already named.
    The sessions of a line whose class exists are the class's as they stand (the
    institution may have changed its curriculum since it was planned): a change of the
    line does not take the institution's edits back."""
    if line.training_class_id is not None:
        sessions = ClassSession.objects.filter(training_class_id=line.training_class_id)
    else:
        sessions = line.sessions.all()
    return {
        "name": line.name,
        "institution": line.institution_id,
        "kind": line.kind,
        "start_date": line.start_date,
        "end_date": line.end_date,
        "report_date": line.report_date,
        "dispatch_date": line.dispatch_date,
        "hours": line.hours,
        "days": line.days,
        "seats": line.seats,
        "target_categories": list(line.target_categories or ()),
        "mode": line.mode,
        "allocations": "\n".join(
            f"{a.unit.code}: {a.seats}" for a in line.allocations.select_related("unit")
        ),
        "cadres": "\n".join(c.name for c in line.named_cadres.order_by("pk")),
        "partner": line.partner_id,
        "partner_seats": line.partner_seats or None,
        "sessions": session_text(sessions.order_by("date", "id")),
    }
