"""Rules kept as data with versions (the hour indicators, the training cycles of
leadership-team members and young cadres, the class teaching indicators).

A rule is never edited in place: a revision is a new row that supersedes the version in
force from its effective date, so whatever was judged under the old version can keep
naming it. For one rule (the fields named by `version_key`), effective periods never
overlap. The saving service (with its audit event) is `ledger.services.rule_revise`.
"""

import datetime as dt

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.formatting import format_date

# Fields a revision sets itself rather than copying from the version it supersedes.
_VERSION_FIELDS = frozenset(
    {"id", "effective_from", "effective_to", "version", "supersedes", "created_at"}
)


class VersionedRule(models.Model):
    """Abstract: the effective period, the version and what it supersedes.

    A subclass names the fields that make two rows versions of one rule (`version_key`),
    the message for an overlapping period (`overlap_message`), and may narrow which
    overlapping rows really compete (`competes_with`)."""

    version_key: tuple[str, ...] = ()
    overlap_message = _("Another rule of this kind is in force in the same period.")

    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective until"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    supersedes = models.OneToOneField(
        "self",
        verbose_name=_("supersedes"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
    )
    description = models.CharField(_("description"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        abstract = True

    @property
    def in_force(self) -> bool:
        """The latest version: not closed and superseded by none."""
        if self.effective_to is not None:
            return False
        return self.pk is None or not type(self).objects.filter(supersedes=self).exists()

    def competes_with(self, other) -> bool:
        """Whether `other`, a row of the same rule in force in an overlapping period,
        would compete with this one."""
        return True

    def clean(self):
        super().clean()
        if self.effective_to and self.effective_from and self.effective_to < self.effective_from:
            raise ValidationError({"effective_to": _("The period cannot end before it starts.")})
        if not self.version_key:
            raise ImproperlyConfigured(f"{type(self).__name__} must name its version_key")
        key = {name: getattr(self, name) for name in self.version_key}
        if not self.effective_from or not all(key.values()):
            return
        overlapping = (
            type(self)
            .objects.filter(**key)
            .exclude(pk=self.pk)
            .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=self.effective_from))
        )
        if self.effective_to:
            overlapping = overlapping.filter(effective_from__lte=self.effective_to)
        if self.supersedes_id:
            overlapping = overlapping.exclude(pk=self.supersedes_id)
        if any(self.competes_with(other) for other in overlapping):
            raise ValidationError(self.overlap_message)

    def next_version(self, effective_from: dt.date | None, **fields):
        """The next version of this rule from `effective_from`, checked but not saved.

        Raises ValidationError (field errors where a field is to blame) when this is not
        the version in force, the date does not move past it, or the new version is
        invalid (e.g. overlaps another rule)."""
        if not self.in_force:
            raise ValidationError(_("Only the version in force can be revised."))
        if effective_from is None or effective_from <= self.effective_from:
            raise ValidationError(
                {
                    "effective_from": _(
                        "A change to the version in force takes effect as a new version: set "
                        "the date from which it applies, after %(date)s."
                    )
                    % {"date": format_date(self.effective_from)}
                }
            )
        model = type(self)
        copied = {
            field.attname: _copy(getattr(self, field.attname))
            for field in model._meta.concrete_fields
            if field.name not in _VERSION_FIELDS
        }
        revision = model(
            **copied, version=self.version + 1, supersedes=self, effective_from=effective_from
        )
        for name, value in fields.items():
            setattr(revision, name, value)
        revision.full_clean()
        return revision


def _copy(value):
    # JSON lists (an indicator rule's categories) are not shared with the old version.
    return list(value) if isinstance(value, list) else value
