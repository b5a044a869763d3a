"""The planning app's pages (mounted in config/urls.py)."""

urlpatterns: list = []
