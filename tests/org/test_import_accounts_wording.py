"""The account import's instructions say what happens to a file with a password column:
it is refused (tests/imports/test_password_columns.py), not read with the column ignored."""

from django.utils import translation

from imports.kinds import registry


def test_the_instructions_say_a_password_column_refuses_the_file():
    with translation.override("en"):
        description = str(registry.get("accounts").description)
    assert "ignored" not in description
    assert "password column is refused" in description
