"""Who may open an issued document. Documents are about the domain's objects, which this
app does not know: each domain app registers, in its `ready()`, a function that returns
a Q over `IssuedDocument` for the documents a user may open (`register_document_reach`)."""

from collections.abc import Callable

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

_document_reach: list[Callable] = []


def register_document_reach(func: Callable) -> None:
    """`func(user) -> Q` over IssuedDocument; registered once per app."""
    if func not in _document_reach:
        _document_reach.append(func)


def subject_in(model, queryset: QuerySet) -> Q:
    """Documents whose subject is one of `queryset`'s rows."""
    return Q(
        subject_type=ContentType.objects.get_for_model(model),
        subject_id__in=queryset.values("pk"),
    )


def documents_visible_to(user) -> QuerySet:
    """Issued documents the user may open: what any registered reach admits."""
    from notifications.models import IssuedDocument

    if not user.is_authenticated or not user.is_active:
        return IssuedDocument.objects.none()
    if user.is_superuser:
        return IssuedDocument.objects.all()
    condition = Q(pk__in=[])
    for func in _document_reach:
        condition |= func(user)
    return IssuedDocument.objects.filter(condition)
