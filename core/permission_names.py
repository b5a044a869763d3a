"""Permissions by their names in the user's language.

Django writes a permission's name once, when it creates the row, in English ("Can add
cadre"), and the admin lists it as written. Here the four permissions Django makes for
every model are named from the model's own (translated) name, and a model's own
permissions by the texts its `Meta.permissions` gives them now (translatable; the row
keeps the text of the day it was created).
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

#: the permissions Django makes for every model, by their action
_DEFAULT_ACTIONS = {
    "add": gettext_lazy("Can add %(name)s"),
    "change": gettext_lazy("Can change %(name)s"),
    "delete": gettext_lazy("Can delete %(name)s"),
    "view": gettext_lazy("Can view %(name)s"),
}

#: libraries' names that reach the admin untranslated (a model's name Django made of its
#: class, a permission named in English), here so that the catalogue keeps them
LIBRARY_TEXTS = (
    gettext_noop("access attempt expiration"),  # django-axes
    gettext_noop("group object permission"),  # django-guardian's generic tables
    gettext_noop("user object permission"),
    gettext_noop("Can manage Process"),  # Viewflow
    gettext_noop("scoped task"),  # workflow.models.ScopedTask (a proxy: Django's name)
)


def permission_name(permission) -> str:
    """The permission's name in the active language."""
    model = permission.content_type.model_class()
    action, _sep, model_name = permission.codename.partition("_")
    if model is None:
        return _(permission.name)
    if action in _DEFAULT_ACTIONS and model_name == model._meta.model_name:
        # a name Django made of the class's (a library's model) is a text of the catalogue
        return str(_DEFAULT_ACTIONS[action]) % {"name": _(str(model._meta.verbose_name))}
    declared = dict(model._meta.permissions).get(permission.codename)
    return str(declared) if declared is not None else _(permission.name)


def permission_label(permission) -> str:
    """As Django labels a permission (its app, model and name), in the active language."""
    return f"{permission.content_type} | {permission_name(permission)}"
