from django import forms
from django.utils.translation import gettext_lazy as _

from core.validation import REASON_MAX_LENGTH
from org.models import Unit


def reason_needed_for(labels) -> str:
    """The help text of a reason field needed for some choices only."""
    return _("Required when you choose %(choices)s.") % {
        "choices": "、".join(f"“{label}”" for label in labels)
    }


class ReasonDecisionForm(forms.Form):
    """A decision with a reason; the reason is required for the choices in
    `needs_reason` (returning, rejecting), and refused with a message beside it."""

    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, choices, needs_reason=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].choices = choices
        self.needs_reason = set(needs_reason)
        labels = [label for value, label in choices if value in self.needs_reason]
        if labels:
            self.fields["reason"].help_text = reason_needed_for(labels)

    def clean(self):
        data = super().clean()
        # A reason refused already (too long, a NUL) is not also a missing one.
        if (
            data.get("decision") in self.needs_reason
            and "reason" not in self.errors
            and not (data.get("reason") or "").strip()
        ):
            label = dict(self.fields["decision"].choices)[data["decision"]]
            self.add_error(
                "reason", _("Please give the reason for “%(choice)s”.") % {"choice": label}
            )
        return data


class ReassignForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Hand the task to"), queryset=Unit.objects.none())

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = candidates
        self.fields["user"].label_from_instance = lambda u: (
            f"{u.get_full_name() or u.username}（{u.username}）"
        )
