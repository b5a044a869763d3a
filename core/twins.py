"""Twins: the same thing created twice — a double click on a submit button, or two people
saving at once. Each app's rule finds the one already there and refuses with a message
naming it; under concurrency the database holds the rule (a unique constraint,
`TwinConstraint` where a model form validates it), and `refused_as_twin` turns the
database's refusal into the rule's own message."""

from collections.abc import Callable
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.module_loading import import_string


class TwinConstraint(models.UniqueConstraint):
    """A unique constraint whose model validation (`full_clean`: model forms, the admin,
    the services' `save_audited`) refuses in the words of the app's twin rule, naming the
    one already there, instead of Django's "… already exists": `refusal`, the dotted path
    of a function (instance) -> message or None (a path: the rule lives above the
    models), its message set on the field `field`."""

    def __init__(self, *args, refusal: str, field: str, **kwargs):
        self.refusal = refusal
        self.field = field
        super().__init__(*args, **kwargs)

    def validate(self, model, instance, exclude=None, **kwargs):
        if exclude and any(name in exclude for name in self.fields):
            return  # as Django's: a field left out (or already refused) is not judged
        message = import_string(self.refusal)(instance)
        if message:
            raise ValidationError({self.field: message})

    def deconstruct(self):
        path, args, kwargs = super().deconstruct()
        return path, args, {**kwargs, "refusal": self.refusal, "field": self.field}

    def __eq__(self, other):
        if isinstance(other, TwinConstraint):
            return (
                super().__eq__(other)
                and self.refusal == other.refusal
                and self.field == other.field
            )
        if isinstance(other, models.UniqueConstraint):
            return False  # validated otherwise: a change for the migrations
        return super().__eq__(other)


@contextmanager
def refused_as_twin(refusal: Callable[[], object], *, field: str | None = None):
    """Run a write in a savepoint. If the database refuses it (IntegrityError: a twin
    committed meanwhile by another transaction), ask the rule again — `refusal()`, now
    that the twin is visible — and raise its message as a ValidationError (on `field`
    when given), nothing written; a refusal the rule does not explain (another
    constraint) is raised as it is."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError:
        message = refusal()
        if not message:
            raise
        raise ValidationError({field: message} if field else message) from None
