"""The API's read endpoints: every list filtered by the caller's jurisdiction through the
same selector as the page that shows it (api/read/, one module per domain)."""

from api.read import approvals, dispatch, documents, ledger, org


def register(router) -> None:
    for module in (org, dispatch, approvals, ledger, documents):
        module.register(router)
