"""The form of the activation page reached without a link: username and one-time code
(org.activation)."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from org import activation


class ActivationCodeForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("Username"), max_length=150)
    code = forms.CharField(
        label=gettext_lazy("One-time code"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "spellcheck": "false"}),
    )

    @staticmethod
    def refusal() -> str:
        return _(
            "The username or the one-time code is wrong, or the code has been used or has "
            "expired. Ask the organization department that created your account for a new one."
        )

    def account(self):
        """The pending account the username and code name, or None (with the refusal as
        the form's error)."""
        if not self.is_valid():
            return None
        if activation.code_locked(self.cleaned_data["username"]):
            self.add_error(
                None,
                _(
                    "Too many wrong codes have been entered for this username. Try again in "
                    "an hour, or ask the organization department for a new code."
                ),
            )
            return None
        account = activation.user_from_code(
            self.cleaned_data["username"], self.cleaned_data["code"]
        )
        if account is None:
            self.add_error(None, self.refusal())
        return account
