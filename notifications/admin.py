from django.contrib import admin

from .models import DocumentCounter, IssuedDocument


class ReadOnlyAdmin(admin.ModelAdmin):
    """Issued documents and counters change only through `issue_document`."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(IssuedDocument)
class IssuedDocumentAdmin(ReadOnlyAdmin):
    list_display = ["document_number", "title", "kind", "version", "pages", "issued_at"]
    list_filter = ["kind", "issuer_code", "year"]
    search_fields = ["document_number", "title", "sha256"]
    date_hierarchy = "issued_at"
    list_select_related = ["issued_by"]


@admin.register(DocumentCounter)
class DocumentCounterAdmin(ReadOnlyAdmin):
    list_display = ["issuer_code", "year", "last_number"]
