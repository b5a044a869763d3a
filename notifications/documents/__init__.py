"""Official documents after GB/T 9704-2012.

    from notifications.documents import builders, Issuer
    from notifications.services import issue_document

    context = builders.dispatch_notice(issuer=Issuer(name=..., code="X组通"), ...)
    document = issue_document(actor=user, kind="dispatch_notice", context=context,
                              subject=roll_call)

`context` holds the plain dataclasses, `builders` one function per kind, `render` the
WeasyPrint renderer (no database), `samples` built-in sample data.
"""

from notifications.documents.context import (
    Attachment,
    BarChart,
    DocumentContext,
    FormFields,
    Heading,
    Issuer,
    Paragraph,
    SubjectRef,
    Table,
)

__all__ = [
    "Attachment",
    "BarChart",
    "DocumentContext",
    "FormFields",
    "Heading",
    "Issuer",
    "Paragraph",
    "SubjectRef",
    "Table",
]
