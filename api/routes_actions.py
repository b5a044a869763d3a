"""The API's action endpoints: each calls the same service (or Viewflow task) as the page."""


def register(router) -> None:
    pass
