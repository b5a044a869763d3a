from django import forms
from django.utils.translation import gettext_lazy as _

from core.validation import validate_mobile_phone
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

    def clean_phone(self):
        phone = self.cleaned_data.get("phone") or ""
        return validate_mobile_phone(phone) if phone.strip() else ""

    def clean(self):
        data = super().clean()
        if data.get("sms_enabled") and not (data.get("phone") or "").strip():
            if "phone" not in self.errors:
                self.add_error("phone", _("SMS needs a mobile phone number."))
        return data
