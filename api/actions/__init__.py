"""The API's action endpoints (README: API), one module per kind of action; each calls the
same service — and completes the same Viewflow task — as the page that does it."""
