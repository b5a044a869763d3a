"""Importing accounts and roles (org.imports_accounts): one row per account, role and
unit; new accounts get no password from the file (a password column is never read) and
wait for activation; grants through org.services.role_grant; row errors on their line;
all or nothing; idempotent; who may grant what (`org.policy.may_grant_role`,
`may_manage_account`)."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase

from audit.models import AuditEvent
from core.masking import mask_id_number
from imports.kinds import Action, registry
from imports.models import BatchStatus, ImportBatch, ImportRow
from notifications.models import ContactProfile
from org import activation
from org.models import Cadre
from org.policy import may_grant_role as may_grant
from org.policy import may_manage_account
from org.roles import Role, roles_of
from org.selectors import units_in_reach
from tests.dispatch.import_kit import actions, check, commit, csv_bytes, errors_by_line
from tests.factories import id_number, user

pytestmark = pytest.mark.django_db
User = get_user_model()
SECRET = "Sekr3t!Pass-in-file"


def row(username, role="单位联络员", unit="", full_name="张伟", **fields):
    return {"username": username, "full_name": full_name, "role": role, "unit": unit, **fields}


def test_a_new_account_gets_its_roles_and_no_usable_password(world):
    rows = [
        row("zw", unit=world.a.code, email="ZW@example.cn", phone="138 1234 5678"),
        row(
            "zw",
            role="department_head",
            unit=world.a1.code,
            email="zw@example.cn",
            phone="13812345678",
        ),
    ]
    assert actions(commit("accounts", world.bob, rows)) == [Action.CREATE, Action.CREATE]
    account = User.objects.get(username="zw")
    assert (account.first_name, account.email) == ("张伟", "zw@example.cn")
    assert not account.has_usable_password()
    assert activation.pending(account)
    assert ContactProfile.objects.get(user=account).phone == "13812345678"
    assert set(roles_of(account)) == {Role.UNIT_LIAISON, Role.DEPARTMENT_HEAD}
    assert units_in_reach(account, "act_as_liaison").filter(pk=world.a1.pk).exists()
    assert units_in_reach(account, "approve_as_head").filter(pk=world.a1.pk).exists()
    assert not units_in_reach(account, "approve_as_head").filter(pk=world.a.pk).exists()
    assert AuditEvent.objects.filter(verb="account.create").count() == 1
    assert AuditEvent.objects.filter(verb="role.grant", target_id=str(account.pk)).count() == 2


def test_the_same_file_twice_changes_nothing(world):
    rows = [
        row("zw", unit=world.a.code),
        row("xl", role="学员", id_number=world.cadre_a1.id_number),
    ]
    commit("accounts", world.bob, rows)
    events = AuditEvent.objects.count()
    assert actions(commit("accounts", world.bob, rows)) == [Action.UNCHANGED, Action.UNCHANGED]
    assert AuditEvent.objects.count() == events
    assert User.objects.filter(username__in=["zw", "xl"]).count() == 2


def test_a_trainee_row_links_the_cadre_record(world):
    rows = [
        row("lyue", role="trainee", full_name="李玥", id_number=world.cadre_a1.id_number.lower())
    ]
    commit("accounts", world.bob, rows)
    account = User.objects.get(username="lyue")
    assert Cadre.objects.get(user=account) == world.cadre_a1
    assert roles_of(account) == [Role.TRAINEE]
    assert AuditEvent.objects.filter(verb="cadre.link_account").count() == 1


def test_an_existing_account_gets_a_further_role_and_its_details_updated(world):
    liaison = user("li", "unit_liaison", world.a, first_name="李四")
    outcomes = commit(
        "accounts", world.bob, [row("li", role="dispatcher", unit=world.a.code, full_name="李四")]
    )
    assert actions(outcomes) == [Action.CREATE]  # a new grant for an existing account
    assert set(roles_of(liaison)) == {Role.UNIT_LIAISON, Role.DISPATCHER}
    assert liaison.has_usable_password()  # untouched
    outcomes = commit("accounts", world.bob, [row("li", unit=world.a.code, full_name="李思")])
    assert actions(outcomes) == [Action.UPDATE]
    liaison.refresh_from_db()
    assert liaison.first_name == "李思"


def test_each_row_error_is_on_its_line(world):
    outcomes = check(
        "accounts",
        world.bob,
        [
            row("ok", unit=world.a.code),  # 2: fine
            row("", unit=world.a.code),  # 3: no username
            row("bad name!", unit=world.a.code),  # 4: characters
            row("r1", role="校长", unit=world.a.code),  # 5: unknown role
            row("r2"),  # 6: liaison without a unit
            row("r3", unit="nosuch"),  # 7: unknown unit
            row("r4", unit=world.a.code, email="not-an-address"),  # 8
            row("r5", unit=world.a.code, phone="12345"),  # 9
            row("ok", unit=world.a.code),  # 10: the same grant twice
            row("ok", role="dispatcher", unit=world.a.code, full_name="别名"),  # 11: details differ
            row("t1", role="学员"),  # 12: trainee without an ID number
            row("t2", role="学员", id_number="110101198005170000"),  # 13: bad check character
            row("t3", role="学员", id_number=world.cadre_a.id_number),  # 14: has Dave already
            row("r6", full_name="", unit=world.a.code),  # 15: no name
        ],
    )
    errors = errors_by_line(outcomes)
    assert sorted(errors) == list(range(3, 16))
    assert any("bad name!" in e for e in errors[4])
    assert any("校长" in e for e in errors[5])
    assert any("nosuch" in e for e in errors[7])
    assert any("not-an-address" in e for e in errors[8])
    assert any("2" in e for e in errors[10])
    assert any("2" in e for e in errors[11])
    assert world.cadre_a.masked_id_number in errors[14][0]


def test_one_bad_row_writes_nothing(world):
    with pytest.raises(ValidationError):
        commit("accounts", world.bob, [row("good", unit=world.a.code), row("bad", unit="nosuch")])
    assert not User.objects.filter(username="good").exists()


def test_a_county_dispatcher_cannot_grant_in_the_city(world):
    outcomes = check(
        "accounts",
        world.carol,
        [
            row("c1", role="dispatcher", unit=world.root.code),  # 2: above the county
            row("c2", unit=world.a.code),  # 3: the city's unit A
            row("c3", role="学员", id_number=world.cadre_a1.id_number),  # 4: a city cadre
            row("c4", role="org_head", unit=world.county.code),  # 5: her own department's
            row("c5", unit=world.b.code),  # 6: fine
            row("c6", role="org_head", unit=world.b.code),  # 7: fine, below her department
        ],
    )
    errors = errors_by_line(outcomes)
    assert sorted(errors) == [2, 3, 4, 5]
    assert world.root.code in errors[2][0]
    # The refusal for a cadre outside reach reads as for a number nobody holds.
    unknown = id_number()
    [nobody] = check("accounts", world.carol, [row("c6", role="学员", id_number=unknown)])
    masked = world.cadre_a1.masked_id_number
    assert errors[4] == [nobody.errors[0].replace(mask_id_number(unknown), masked)]


def test_who_may_grant_what(world):
    admin = User.objects.create_superuser("root", password="x")
    assert may_grant(admin, Role.DISPATCHER, world.root)
    assert may_grant(world.bob, Role.DISPATCHER, world.county)
    assert may_grant(world.carol, Role.UNIT_LIAISON, world.county)
    assert not may_grant(world.carol, Role.DISPATCHER, world.county)  # her own department
    assert not may_grant(world.carol, Role.DISPATCHER, world.root)
    assert not may_grant(world.carol, Role.ORG_HEAD, world.a)
    assert not may_grant(world.carol, Role.TRAINEE, cadre=world.cadre_a1)
    assert may_grant(world.bob, Role.TRAINEE, cadre=world.cadre_b)
    assert not may_grant(world.alice, Role.UNIT_LIAISON, world.a)  # a head is no dispatcher
    assert not may_grant(world.rita, Role.REGISTRAR, world.school_unit)


def test_a_county_dispatcher_cannot_change_a_city_accounts_email(world):
    User.objects.filter(pk=world.bob.pk).update(first_name="鲍勃")
    world.bob.refresh_from_db()
    assert not may_manage_account(world.carol, world.bob)
    assert may_manage_account(world.bob, world.carol)
    grant = row("bob", unit=world.b.code, full_name="鲍勃")
    # Not even a role in the county, the details as they are: the account is not hers.
    for attempt in (grant, {**grant, "email": "x@evil.cn"}):
        [outcome] = check("accounts", world.carol, [attempt])
        assert outcome.action == Action.ERROR
        assert "bob" in outcome.errors[0]


def test_only_dispatchers_and_superusers_may_import_accounts(world):
    kind = registry.get("accounts")
    assert kind.may_import(world.bob) and kind.may_import(world.carol)
    assert not kind.may_import(world.alice)
    assert not kind.may_import(world.dave)


def test_a_password_column_is_never_read_stored_or_set(world):
    extra = (("密码", [SECRET]), ("password", [SECRET]))
    outcomes = commit("accounts", world.bob, [row("pw", unit=world.a.code)], extra_headers=extra)
    assert SECRET not in repr(outcomes)
    account = User.objects.get(username="pw")
    assert not account.has_usable_password()
    assert not account.check_password(SECRET)


# -- through the import pages (imports framework) -------------------------------------------


def _upload(client, data: bytes):
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            "/imports/accounts/", {"file": SimpleUploadedFile("accounts.csv", data)}
        )
    assert response.status_code in (200, 302)
    return ImportBatch.objects.filter(kind="accounts").latest("pk")


def _commit(client, batch):
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(f"/imports/{batch.pk}/commit/")
    batch.refresh_from_db()
    return batch


def test_through_the_pages_new_accounts_are_listed_with_link_and_code(world, client, media):
    kind = registry.get("accounts")
    existing = user("li", "unit_liaison", world.a, first_name="李四")
    rows = [
        row("new1", unit=world.a.code),
        row("new1", role="单位负责人", unit=world.a.code),
        row("li", role="dispatcher", unit=world.a.code, full_name="李四"),
    ]
    client.force_login(world.bob)
    # A file with a password column is refused before it is kept (imports.engine).
    response = client.post(
        "/imports/accounts/",
        {"file": SimpleUploadedFile("a.csv", csv_bytes(kind, rows, (("密码", [SECRET] * 3),)))},
    )
    assert "不得包含密码列" in response.content.decode()
    assert not ImportBatch.objects.exists()
    batch = _upload(client, csv_bytes(kind, rows))
    assert batch.status == BatchStatus.PREVIEWED, batch.refusal
    assert (batch.rows_create, batch.rows_error) == (3, 0)
    batch = _commit(client, batch)
    assert batch.status == BatchStatus.COMMITTED
    assert not any(SECRET in str(r.raw) + str(r.data) for r in ImportRow.objects.all())
    assert not any(SECRET in str(e.before) + str(e.after) for e in AuditEvent.objects.all())
    assert existing.has_usable_password()

    text = client.get(f"/imports/{batch.pk}/result/").content.decode()
    account = User.objects.get(username="new1")
    assert text.count(activation.tokens.code(account)) == 1  # one line per new account
    assert "/accounts/activate/" in text
    [result] = kind.result_rows(world.bob, batch)  # "li" existed: no link for it
    values = list(result.values())
    assert values[0] == "new1"
    # Another dispatcher sees no links of this batch.
    assert kind.result_rows(world.carol, batch) == []

    # The link works (org.activation); afterwards the account is no longer listed.
    link = values[2]
    client.logout()
    response = client.post(
        link[link.index("/accounts/") :],
        {"new_password1": "Xq7!vLp9#mZ", "new_password2": "Xq7!vLp9#mZ"},
    )
    assert response.status_code == 302
    assert kind.result_rows(world.bob, batch) == []


def test_checking_takes_the_same_queries_for_5_rows_as_for_50(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    kind = registry.get("accounts")

    def queries(n):
        rows = [(line, row(f"user{line}", unit=world.a.code)) for line in range(2, n + 2)]
        rows += [(n + 2, row("dave", role="学员", full_name="", id_number=world.cadre_a.id_number))]
        with CaptureQueriesContext(connection) as captured:
            outcomes = list(kind.check(world.bob, rows))
        assert len(outcomes) == n + 1
        return len(captured)

    assert queries(50) == queries(5)


def test_a_dispatcher_cannot_grant_roles_to_themselves(world):
    [outcome] = check(
        "accounts",
        world.carol,
        [row("carol", role="org_head", unit=world.county.code, full_name="")],
    )
    assert outcome.action == Action.ERROR
    assert any("own account" in e or "自己" in e for e in outcome.errors)
