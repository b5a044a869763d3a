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


class MultiPicker(forms.CheckboxSelectMultiple):
    """Choose several from a long list: checkboxes (each click adds or takes off one, the
    earlier choices stay — no Ctrl-click), a search box that hides what does not match but
    never what is chosen, and the names chosen so far (xundiao/site.js; without scripts,
    the plain checkboxes)."""

    template_name = "core/widgets/multi_picker.html"
