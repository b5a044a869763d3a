"""Include at "imports/": the import pages (a kind's template, upload, preview, commit)."""

app_name = "imports"

urlpatterns = []
