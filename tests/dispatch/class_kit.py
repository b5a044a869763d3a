"""The class page's form (/classes/<id>/edit/) as a test posts it."""

from django.forms.models import model_to_dict

from dispatch.forms import TrainingClassForm


def form_data(klass, **changes):
    """The class's fields as its edit form holds them, with `changes`."""
    data = model_to_dict(klass, fields=TrainingClassForm.Meta.fields)
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}
