"""In-app inbox, e-mail and official documents.

Official documents: `DocumentCounter` hands out document numbers per issuer code and year
(strictly sequential, no gaps, allocated inside the issuing transaction), and
`IssuedDocument` keeps every issued PDF with its SHA-256. Nothing here is updated or
deleted: a correction is a new document that supersedes the old one.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class DocumentKind(models.TextChoices):
    DISPATCH_NOTICE = "dispatch_notice", _("Dispatch notice")
    ADMISSION_NOTICE = "admission_notice", _("Admission notice")
    MAKEUP_NOTICE = "makeup_notice", _("Makeup notice")
    CIRCULAR = "circular", _("Circular")


class ImmutableError(Exception):
    """Raised on any attempt to change or remove an issued document."""


class DocumentCounter(models.Model):
    """The last document number used by one issuer code in one year.

    Locked (SELECT ... FOR UPDATE) by the issuing transaction, so numbers are handed out
    one at a time and a rolled-back issue gives its number back."""

    issuer_code = models.CharField(_("issuer code"), max_length=16)
    year = models.PositiveSmallIntegerField(_("year"))
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("document counter")
        verbose_name_plural = _("document counters")
        constraints = [
            models.UniqueConstraint(fields=["issuer_code", "year"], name="doccounter_issuer_year")
        ]

    def __str__(self):
        return f"{self.issuer_code}〔{self.year}〕{self.last_number}"


class IssuedDocumentQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableError("Issued documents are never changed.")

    def delete(self):
        raise ImmutableError("Issued documents are never deleted.")


class IssuedDocument(models.Model):
    """One issued official document: its number, and the stored PDF with its SHA-256."""

    kind = models.CharField(_("kind"), max_length=32, choices=DocumentKind.choices)
    issuer_code = models.CharField(_("issuer code"), max_length=16)
    year = models.PositiveSmallIntegerField(_("year"))
    number = models.PositiveIntegerField(_("number"))
    document_number = models.CharField(_("document number"), max_length=64, unique=True)
    title = models.CharField(_("title"), max_length=255)
    subject_type = models.ForeignKey(
        ContentType,
        verbose_name=_("subject type"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    subject_id = models.PositiveBigIntegerField(_("subject id"), null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    file = models.FileField(_("PDF file"), upload_to="documents/", max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveIntegerField(_("size in bytes"))
    pages = models.PositiveSmallIntegerField(_("pages"))
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True, db_index=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    supersedes = models.ForeignKey(
        "self",
        verbose_name=_("supersedes"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
    )
    version = models.PositiveSmallIntegerField(_("version"), default=1)

    objects = IssuedDocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("issued document")
        verbose_name_plural = _("issued documents")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer_code", "year", "number"], name="issueddoc_issuer_year_number"
            ),
            # A document is superseded at most once: versions form a chain, not a tree.
            models.UniqueConstraint(fields=["supersedes"], name="issueddoc_superseded_once"),
            models.CheckConstraint(condition=Q(number__gte=1), name="issueddoc_number_positive"),
            models.CheckConstraint(
                condition=Q(supersedes__isnull=True, version=1)
                | Q(supersedes__isnull=False, version__gt=1),
                name="issueddoc_version_matches_chain",
            ),
        ]
        indexes = [
            models.Index(fields=["subject_type", "subject_id"], name="issueddoc_subject_idx")
        ]

    def __str__(self):
        return f"{self.document_number} {self.title}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ImmutableError("Issued documents are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError("Issued documents are never deleted.")
