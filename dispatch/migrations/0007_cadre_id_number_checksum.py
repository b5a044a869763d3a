"""The database checks an ID number's GB 11643 check character, not only its length: 17
digits, then '10X98765432'[Σ dᵢ·wᵢ mod 11] (ISO 7064 MOD 11-2), computed with Substr,
Cast and Mod so that SQLite and PostgreSQL both hold it. The CASE keeps PostgreSQL from
casting a letter (a malformed number fails the digit test instead of raising a cast
error). Every number the application stored passed `validate_id_number`, which checks the
same; adding the constraint fails on a row that does not.

The ID number's field also drops Django's generic "at most 18 characters" check: the
ID number's own validator names the length."""

import django.db.models.lookups
from django.db import migrations, models
from django.db.models.functions import Cast, Mod, Substr

import dispatch.idnumber
import dispatch.models.org

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
DIGITS = list("0123456789")


def _digit(position):
    char = Substr("id_number", position, 1)
    return models.Case(
        models.When(
            django.db.models.lookups.In(char, DIGITS), then=Cast(char, models.IntegerField())
        ),
        default=models.Value(-1),
        output_field=models.IntegerField(),
    )


def checksum_condition():
    weighted = sum(
        (_digit(i) * weight for i, weight in zip(range(1, 18), WEIGHTS, strict=True)),
        start=models.Value(0),
    )
    expected = Substr(
        models.Value(CHECK_CHARS),
        Mod(weighted, models.Value(11)) + models.Value(1),
        models.Value(1),
    )
    all_digits = models.Q(
        *[django.db.models.lookups.In(Substr("id_number", i, 1), DIGITS) for i in range(1, 18)]
    )
    return all_digits & models.Q(
        django.db.models.lookups.Exact(Substr("id_number", 18, 1), expected)
    )


class Migration(migrations.Migration):
    dependencies = [("dispatch", "0006_rule_categories")]

    operations = [
        migrations.AlterField(
            model_name="cadre",
            name="id_number",
            field=dispatch.models.org.IdNumberField(
                error_messages={"unique": "A cadre with this ID number already exists."},
                max_length=18,
                unique=True,
                validators=[dispatch.idnumber.validate_id_number],
                verbose_name="ID number",
            ),
        ),
        migrations.AddConstraint(
            model_name="cadre",
            constraint=models.CheckConstraint(
                condition=checksum_condition(),
                name="cadre_id_number_checksum",
                violation_error_message=(
                    "The check character of the ID number is wrong; please check the number."
                ),
            ),
        ),
    ]
