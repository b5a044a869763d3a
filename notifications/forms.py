from django import forms
from django.utils.translation import gettext_lazy as _

from notifications.models import ContactProfile, Event


class InboxFilterForm(forms.Form):
    unread = forms.BooleanField(label=_("Unread only"), required=False)
    event = forms.ChoiceField(
        label=_("Event"), required=False, choices=[("", _("All events")), *Event.choices]
    )


class PreferencesForm(forms.ModelForm):
    class Meta:
        model = ContactProfile
        fields = ["email_enabled", "daily_digest", "sms_enabled", "phone"]

    def clean(self):
        data = super().clean()
        if data.get("sms_enabled") and not (data.get("phone") or "").strip():
            self.add_error("phone", _("SMS needs a mobile phone number."))
        return data
