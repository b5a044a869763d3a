"""The surveys app's pages (mounted in config/urls.py)."""

urlpatterns: list = []
