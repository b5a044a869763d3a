from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from core.formatting import format_date
from core.validation import REASON_MAX_LENGTH
from feedback.models import SCORE_MAX, SCORE_MIN, Applied

#: what each score means, beside it on the form (5 is best)
SCORE_WORDS = {
    5: _("very satisfied"),
    4: _("satisfied"),
    3: _("fairly satisfied"),
    2: _("not very satisfied"),
    1: _("dissatisfied"),
}
SCORES = [
    (str(n), format_lazy("{}（{}）", n, SCORE_WORDS[n]))
    for n in range(SCORE_MAX, SCORE_MIN - 1, -1)
]

#: a score left blank (services._score says the same of a score it is not given)
SCORE_MISSING = _("Please give a score.")


def _score_field(label):
    # A plain text field: the service checks the range and answers in Chinese, so a
    # forged value outside 1–5 gets the same message as on the form. A blank one is
    # missing, not invalid: 请评分.
    return forms.CharField(
        label=label,
        widget=forms.RadioSelect(choices=SCORES),
        error_messages={"required": SCORE_MISSING},
    )


def _comment_field(label=None):
    return forms.CharField(
        label=label or _("Comment"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class EvaluationForm(forms.Form):
    """The class's score and comment, then each session's score followed by its own
    comment, each comment labelled with what it is about (a page of boxes all called
    意见说明 left the trainee guessing which course a comment went to)."""

    score = _score_field(_("Your score of the class (5 is best)"))
    comment = _comment_field(_("Your comment on the class"))

    def __init__(self, *args, sessions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.sessions = list(sessions)
        for session in self.sessions:
            self.fields[f"session_{session.pk}"] = _score_field(
                _("Session %(date)s “%(title)s” (%(teacher)s)")
                % {
                    "date": format_date(session.date),
                    "title": session.title,
                    "teacher": session.teacher,
                }
            )
            self.fields[f"session_{session.pk}_comment"] = _comment_field(
                _("Your comment on “%(title)s”") % {"title": session.title}
            )

    def session_answers(self) -> dict:
        data = self.cleaned_data
        return {
            s.pk: (data.get(f"session_{s.pk}"), data.get(f"session_{s.pk}_comment", ""))
            for s in self.sessions
        }


class FollowUpForm(forms.Form):
    applied = forms.ChoiceField(
        label=_("Has the trainee applied what was learned?"),
        label_suffix="",  # a question: no colon after its mark
        choices=Applied.choices,
        widget=forms.RadioSelect,
    )
    rating = _score_field(_("Rating (5 is best)"))
    comment = _comment_field()
