from django import forms


class DateInput(forms.DateInput):
    """The browser's date picker. Its value must be ISO (2026-10-28): a prefilled form
    rendered in the locale's input format (2026/10/28) would show an empty picker."""

    input_type = "date"

    def __init__(self, attrs=None, format="%Y-%m-%d"):
        super().__init__(attrs=attrs, format=format)


class DateTimeInput(forms.DateTimeInput):
    """The browser's date-and-time picker, prefilled as 2026-10-28T09:30."""

    input_type = "datetime-local"

    def __init__(self, attrs=None, format="%Y-%m-%dT%H:%M"):
        super().__init__(attrs=attrs, format=format)
