"""The survey's forms: opening one (the dispatcher), and a unit's answer, whose fields
are built from the survey's questions (data, of three kinds)."""

from django import forms
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.deadlines import deadline_in
from core.widgets import DateTimeInput
from org.models import CadreCategory, OrgDepartment
from surveys.models import QuestionKind
from surveys.services import MAX_CADRES


def _month_label(m: int) -> str:
    return gettext("Month %(m)s") % {"m": m}


MONTHS = [(m, lazy(_month_label, str)(m)) for m in range(1, 13)]


def _lines(text) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class SurveyOpenForm(forms.Form):
    org_department = forms.ModelChoiceField(
        label=_("Organization department"), queryset=OrgDepartment.objects.none()
    )
    year = forms.IntegerField(label=_("Training year"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("Title"), max_length=200)
    deadline = forms.DateTimeField(label=_("Answer by"), widget=DateTimeInput())
    topics = forms.CharField(
        label=_("Topics offered"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("One topic a line; units tick the ones they want and may add their own."),
    )
    topics_text = forms.CharField(
        label=_("Question on topics"), max_length=200, initial=QuestionKind.TOPICS.label
    )
    cadres_text = forms.CharField(
        label=_("Question on cadres"), max_length=200, initial=QuestionKind.CADRES.label
    )
    months_text = forms.CharField(
        label=_("Question on months"), max_length=200, initial=QuestionKind.MONTHS.label
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["year"].initial = today.year + 1
        self.fields["deadline"].initial = deadline_in(14)

    def questions(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {
                "kind": QuestionKind.TOPICS,
                "text": data["topics_text"],
                "options": _lines(data["topics"]),
            },
            {"kind": QuestionKind.CADRES, "text": data["cadres_text"]},
            {"kind": QuestionKind.MONTHS, "text": data["months_text"]},
        ]


class AnswerForm(forms.Form):
    """A unit's answer: one field (or group of fields) per question of the survey."""

    def __init__(self, *args, survey, initial_lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kinds = []
        for question in survey.questions.all():
            self.kinds.append(question.kind)
            if question.kind == QuestionKind.TOPICS:
                self.fields["topics"] = forms.MultipleChoiceField(
                    label=question.text,
                    choices=[(t, t) for t in question.options],
                    required=False,
                    widget=forms.CheckboxSelectMultiple,
                )
                self.fields["own_topics"] = forms.CharField(
                    label=_("Further topics wanted"),
                    required=False,
                    widget=forms.Textarea(attrs={"rows": 3}),
                    help_text=_("One topic a line."),
                )
            elif question.kind == QuestionKind.CADRES:
                for value, label in CadreCategory.choices:
                    self.fields[f"cadres_{value}"] = forms.IntegerField(
                        label=f"{question.text}：{label}",
                        min_value=0,
                        max_value=MAX_CADRES,
                        required=False,
                    )
            elif question.kind == QuestionKind.MONTHS:
                self.fields["months"] = forms.TypedMultipleChoiceField(
                    label=question.text,
                    choices=MONTHS,
                    coerce=int,
                    required=False,
                    widget=forms.CheckboxSelectMultiple,
                )
        self._fill(initial_lines)

    def _fill(self, lines):
        """Prefill with the answer's current lines (a returned answer, answered again)."""
        own = []
        for line in lines:
            kind = line.question.kind
            if kind == QuestionKind.TOPICS:
                if line.added_by_unit:
                    own.append(line.topic)
                else:
                    self.initial.setdefault("topics", []).append(line.topic)
            elif kind == QuestionKind.CADRES:
                self.initial[f"cadres_{line.category}"] = line.cadres
            elif kind == QuestionKind.MONTHS:
                self.initial.setdefault("months", []).append(line.month)
        if own:
            self.initial["own_topics"] = "\n".join(own)

    def responses(self) -> dict:
        data = self.cleaned_data
        return {
            "topics": data.get("topics") or [],
            "own_topics": _lines(data.get("own_topics")),
            "cadres": {
                value: data.get(f"cadres_{value}")
                for value in CadreCategory.values
                if f"cadres_{value}" in data
            },
            "months": data.get("months") or [],
        }
