"""The API's read endpoints: every list filtered by the caller's jurisdiction through the
same selector as the page that shows it."""


def register(router) -> None:
    pass
