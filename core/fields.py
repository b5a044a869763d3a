"""Form fields every app's forms share."""

from django import forms
from django.core.exceptions import ValidationError

from core.http import positive_int


class IdsChoiceField(forms.ModelMultipleChoiceField):
    """Django's multiple choice of rows, refusing an id that no row can have (a number
    beyond the database's integers) as a choice not on offer — never asked of the
    database, which would fail on it (SQLite: OverflowError, a 500)."""

    def _check_values(self, value):
        if (self.to_field_name or "pk") == "pk":
            for item in value:
                text = str(item).strip()
                if text.isascii() and text.isdigit() and positive_int(text) is None:
                    raise ValidationError(
                        self.error_messages["invalid_choice"],
                        code="invalid_choice",
                        params={"value": text},
                    )
        return super()._check_values(value)
