from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.widgets import DateInput
from org.models import Cadre, Unit


class UnitForm(forms.ModelForm):
    class Meta:
        model = Unit
        fields = ["code", "name", "kind", "parent", "sort_order"]


class CadreForm(forms.ModelForm):
    class Meta:
        model = Cadre
        fields = [
            "name",
            "gender",
            "id_number",
            "unit",
            "position",
            "rank",
            "category",
            "is_leadership_member",
            "is_young_cadre",
            "young_cadre_since",
            "managing_org_department",
            "co_managing_org_department",
        ]
        widgets = {"young_cadre_since": DateInput()}

    # The day flagged as an outstanding young cadre is checked by `Cadre.clean`
    # (`young_cadre_since_refusal`), which the form runs: the import asks the same rule.

    def __init__(self, *args, shows_id_number: bool = True, **kwargs):
        """`shows_id_number`: `org.policy.may_see_id_number` for the form's cadre. When
        false the number is shown masked and cannot be changed (the record keeps it)."""
        super().__init__(*args, **kwargs)
        self.shows_id_number = shows_id_number
        if not shows_id_number and self.instance.pk:
            self.initial["id_number"] = self.instance.masked_id_number
            self.fields["id_number"].disabled = True

    def clean_id_number(self):
        if not self.shows_id_number and self.instance.pk:
            return self.instance.id_number
        return (self.cleaned_data.get("id_number") or "").strip().upper()

    def validate_unique(self):
        """The ID number's uniqueness is `services.cadre_save`'s to check: it says that a
        number is taken only to someone who reaches the cadre holding it."""
        exclude = self._get_validation_exclusions() | {"id_number"}
        try:
            self.instance.validate_unique(exclude=exclude)
        except ValidationError as exc:
            self._update_errors(exc)


class DelegationForm(forms.Form):
    delegate = forms.ModelChoiceField(
        label=_("Deputy"),
        queryset=Unit.objects.none(),
        error_messages={
            "invalid_choice": _(
                "Only another person of your own unit may decide in your place (not a "
                "liaison, nor anyone outside the unit). Choose from the list."
            )
        },
    )
    starts_on = forms.DateField(label=_("From"), widget=DateInput())
    ends_on = forms.DateField(label=_("Until"), widget=DateInput())

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["delegate"].queryset = candidates
        self.fields["delegate"].label_from_instance = lambda u: (
            u.get_full_name() or u.get_username()
        )
