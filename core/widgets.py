import copy

from django import forms

from core.http import positive_int


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
    the plain checkboxes).

    Over a queryset of more than `FULL_LIST_MAX` rows (one COUNT) and with a `search_url`
    (a JSON endpoint answering ?q= with at most a page of matches among the same rows),
    the page lists only the choices already made, checked — so a form sent back with errors
    keeps them — and site.js asks the endpoint as the user types. The field's queryset
    stays whole: a choice not on offer is refused all the same.

    `group_by` and `group_label` (functions of a row) list the options under headings
    (the roll call's cadres by unit)."""

    template_name = "core/widgets/multi_picker.html"
    #: above this many on offer, the options are found by search instead of listed
    FULL_LIST_MAX = 200

    def __init__(self, attrs=None, choices=(), *, search_url="", group_by=None, group_label=None):
        super().__init__(attrs, choices)
        self.search_url = search_url
        self.group_by = group_by
        self.group_label = group_label

    def searches(self, queryset) -> bool:
        """Whether the picker over `queryset` searches instead of listing: one COUNT, once
        per queryset (a view asks before the widget renders)."""
        if not self.search_url:
            return False
        asked = getattr(self, "_searched", None)
        if asked is None or asked[0] is not queryset:
            self._searched = asked = (queryset, queryset.count() > self.FULL_LIST_MAX)
        return asked[1]

    @staticmethod
    def chosen(queryset, value):
        """The rows of `queryset` among the chosen ids `value` (what a searching picker
        shows)."""
        return queryset.filter(pk__in=[pk for pk in (positive_int(v) for v in value or ()) if pk])

    def get_context(self, name, value, attrs):
        queryset = getattr(self.choices, "queryset", None)
        shown = copy.copy(self)  # the choices rendered this once; the widget's stay
        searching = False
        if queryset is not None:
            searching = self.searches(queryset)
            if searching:
                shown.choices = [self.choices.choice(row) for row in self.chosen(queryset, value)]
            elif self.group_by is not None:
                groups: dict = {}
                for row in queryset:
                    label = self.group_label(row) if self.group_label else str(row)
                    groups.setdefault(self.group_by(row), []).append((row.pk, label))
                shown.choices = list(groups.items())
        context = super(MultiPicker, shown).get_context(name, value, attrs)
        context["widget"]["search_url"] = str(self.search_url) if searching else ""
        return context
