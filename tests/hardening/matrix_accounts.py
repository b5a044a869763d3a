"""The permission matrix's entries for account activation (/accounts/activate/…): see
route_matrix. Both pages are public: whoever holds a link or a one-time code may be
signed out (or signed in as someone else). The sample link (a cadre's id in place of
both the user id and the token) is invalid, so every visitor gets the page saying so
and nothing is written."""

from tests.hardening.route_matrix import ROLES, Expect, every

OBJECTS: dict[str, str] = {"account_activate": "cadre"}

PUBLIC_PAGE = Expect(get=every({"200"}, ROLES), post=every({"200"}, ROLES), public=True)

PAGES: dict[str, Expect] = {
    "account_activate": PUBLIC_PAGE,
    "account_activate_code": PUBLIC_PAGE,
}
