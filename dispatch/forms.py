from django import forms

from .models import Cadre, TrainingClass, Unit


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
            "managing_org_department",
            "co_managing_org_department",
        ]

    def clean_id_number(self):
        return (self.cleaned_data.get("id_number") or "").strip().upper()


class TrainingClassForm(forms.ModelForm):
    class Meta:
        model = TrainingClass
        fields = [
            "name",
            "institution",
            "organizer",
            "kind",
            "start_date",
            "end_date",
            "report_date",
            "location",
            "credit_hours",
            "days",
            "quota",
        ]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}),
            "end_date": forms.DateInput(attrs={"type": "date"}),
            "report_date": forms.DateInput(attrs={"type": "date"}),
        }
