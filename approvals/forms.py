from django import forms
from django.utils.translation import gettext_lazy as _

from approvals.models import Decision
from core.validation import REASON_MAX_LENGTH


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (Decision.APPROVED, _("Approve")),
            (Decision.REJECTED, _("Reject")),
            (Decision.SENT_BACK, _("Send back")),
        ],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when you reject or send back: say why."),
    )

    def __init__(self, *args, refusal: str | None = None, **kwargs):
        """`refusal`: why the request may not be approved now
        (`approvals.policy.approval_refusal`), told beside the choice; the decision
        service refuses an approval with it."""
        super().__init__(*args, **kwargs)
        if refusal:
            self.fields["decision"].help_text = _(
                "It cannot be approved: %(refusal)s You may still reject it or send it back."
            ) % {"refusal": refusal}

    def clean(self):
        """The reason a rejection or a sending back needs (the service refuses it too),
        asked for beside the comment box."""
        data = super().clean()
        decision = data.get("decision")
        if (
            decision in (Decision.REJECTED, Decision.SENT_BACK)
            and "comment" not in self.errors  # refused already (too long): not missing
            and not (data.get("comment") or "").strip()
        ):
            label = dict(self.fields["decision"].choices)[decision]
            self.add_error(
                "comment", _("Please give the reason for “%(choice)s”.") % {"choice": label}
            )
        return data
