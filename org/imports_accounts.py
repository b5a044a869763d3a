"""The import kind of staff accounts and their roles ("账号与角色", imports.kinds).

One row per (account, role, unit): a person with two roles takes two rows. A trainee's
row names the cadre (by ID number) whose record the account opens, instead of a unit.

No password ever comes from the file: the kind declares no such column, so a 密码 or
password column is never read, never stored with the rows, never set — every new account
gets an unusable password, and after the commit `result_rows` hands the importer an
activation link and a one-time code per new account (org.activation), computed when asked.

Who may grant what is `org.policy.may_grant_role`: a superuser anything; a dispatcher a
unit's role on a unit within their dispatcher jurisdiction, a department role
(dispatcher, org department head, auditor) only strictly below their own department, and
the trainee role for a cadre of that jurisdiction; never to themselves (a file row naming
the importer's own account is an error). An existing account's name, e-mail and phone
change only when the importer could have granted every role it holds
(`org.policy.may_manage_account`): a county dispatcher cannot redirect a city official's
e-mail, nor a dispatcher their own department head's. Grants go through
`org.services.role_grant` (one audit event per grant; it asks the same policy), so its
rules hold.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.services import record_event
from core.masking import mask_id_number
from core.validation import validate_phone
from imports.kinds import Action, Column, ImportKind, RowOutcome, differences
from notifications.models import ContactProfile
from org import activation, idnumber, policy, services
from org.imports_common import holds_any
from org.models import Cadre, Unit, UnitUserObjectPermission
from org.roles import ROLE_PERMISSIONS, Role, group_name
from org.selectors import cadres_in_reach, units_in_reach

BATCH = 200
DISPATCH = "issue_dispatch"


# -- the kind ---------------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _role_lookup() -> dict[str, str]:
    lookup = {}
    for value, label in Role.choices:
        lookup[value] = value
        for language in ("en", "zh-hans"):
            with translation.override(language):
                lookup[str(label)] = value
    return lookup


def _role_labels() -> str:
    with translation.override("zh-hans"):
        return "、".join(str(label) for _value, label in Role.choices)


class AccountImport(ImportKind):
    slug = "accounts"
    label = gettext_lazy("Accounts and roles")
    order = 60
    description = gettext_lazy(
        "One row per account, role and unit: a person with two roles takes two rows. A "
        "trainee's row gives the cadre's ID number instead of a unit. The file never holds "
        "passwords (a password column is ignored): after the import you print each new "
        "account's activation link and one-time code, with which its owner sets a password."
    )
    columns = [
        Column(
            "username",
            gettext_lazy("Username"),
            required=True,
            aliases=("用户名", "登录名", "账号", "username"),
            example="xx-fgw.liaison",
            help=gettext_lazy("Letters, digits and @ . + - _ only, at most 150 characters."),
        ),
        Column(
            "full_name",
            gettext_lazy("Full name"),
            required=True,
            aliases=("姓名", "full_name", "name"),
            example="张伟",
        ),
        Column("email", gettext_lazy("E-mail"), aliases=("邮箱", "电子邮箱", "email")),
        Column(
            "phone",
            gettext_lazy("Phone"),
            aliases=("手机", "手机号码", "电话", "phone"),
            example="13812345678",
        ),
        Column(
            "role",
            gettext_lazy("Role"),
            required=True,
            aliases=("角色", "role"),
            example="单位联络员",
            help=gettext_lazy("One of: %(roles)s.") % {"roles": _role_labels()},
        ),
        Column(
            "unit",
            gettext_lazy("Unit code"),
            aliases=("单位代码", "服务单位", "unit"),
            example="xx-fgw",
            help=gettext_lazy(
                "The unit the role serves (and every unit below it); empty for a trainee."
            ),
        ),
        Column(
            "id_number",
            gettext_lazy("ID number"),
            aliases=("身份证号", "身份证号码", "id_number"),
            masked=True,
            help=gettext_lazy("Only for a trainee: the ID number of the cadre's record."),
        ),
    ]

    def may_import(self, user) -> bool:
        if not user.is_authenticated or not user.is_active:
            return False
        return user.is_superuser or holds_any(user, (DISPATCH,))

    def check(self, actor, rows):
        rows = [(line, {key: _text(value) for key, value in row.items()}) for line, row in rows]
        ctx = _Context(actor, rows)
        for line, row in rows:
            yield self._check_row(line, row, ctx)

    def _check_row(self, line, row, ctx) -> RowOutcome:
        username = row.get("username", "")
        outcome = RowOutcome(line=line, key=username, action=Action.ERROR, raw=row)
        errors = outcome.errors
        details = {
            "full_name": row.get("full_name", ""),
            "email": row.get("email", "").lower(),
            "phone": row.get("phone", ""),
        }
        errors.extend(_check_username(username))
        errors.extend(_check_details(details))
        role = ctx.roles.get(row.get("role", ""))
        unit = cadre = None
        if role is None:
            errors.append(
                _("Unknown role “%(value)s”; write one of: %(roles)s.")
                % {"value": row.get("role", ""), "roles": _role_labels()}
            )
        elif role == Role.TRAINEE:
            cadre = self._trainee_cadre(row, ctx, errors)
        else:
            unit = self._unit(row, role, ctx, errors)
        account = ctx.users.get(username)
        grant = (username, role, unit.pk if unit else None)
        if role is not None and username:
            if grant in ctx.first_line:
                errors.append(
                    _(
                        "The account %(username)s is given this role on this unit twice "
                        "(also on line %(line)s)."
                    )
                    % {"username": username, "line": ctx.first_line[grant]}
                )
            else:
                ctx.first_line[grant] = line
        seen = ctx.details.setdefault(username, (line, details))
        if seen[1] != details:
            errors.append(
                _(
                    "The name, e-mail or phone of %(username)s differs from line %(line)s; "
                    "write the same on every row of an account."
                )
                % {"username": username, "line": seen[0]}
            )
        if account is not None and ctx.actor is not None and account.pk == ctx.actor.pk:
            if not ctx.actor.is_superuser:
                # Separation of duties: nobody widens their own powers.
                errors.append(_("You cannot grant roles to your own account."))
        changes = account is not None and _changed(account, details, ctx.phones)
        if changes and not ctx.manages(account):
            errors.append(
                _(
                    "The account %(username)s exists and holds roles outside your "
                    "jurisdiction: only those who manage all its roles may change its name, "
                    "e-mail or phone."
                )
                % {"username": username}
            )
        if cadre is not None:
            errors.extend(ctx.link_conflicts(line, username, account, cadre))
        if errors:
            return outcome
        outcome.data = {
            "username": username,
            **details,
            "role": role,
            "unit": unit.pk if unit else None,
            "cadre": cadre.pk if cadre else None,
            "new_user": account is None,
        }
        if account is None:
            outcome.action = Action.CREATE
            return outcome
        held = ctx.holds(account, role, unit, cadre)
        if not held:
            outcome.action = Action.CREATE if not changes else Action.UPDATE
        else:
            outcome.action = Action.UPDATE if changes else Action.UNCHANGED
        # A new grant is itemised too, also on an existing account's CREATE row.
        outcome.changes = differences(
            [
                (self._header("full_name"), account.first_name, details["full_name"]),
                (self._header("email"), account.email, details["email"]),
                (self._header("phone"), ctx.phones.get(account.pk, ""), details["phone"]),
                *([] if held else [(self._header("role"), *ctx.roles_with(account, role, unit))]),
            ]
        )
        return outcome

    def _header(self, key) -> str:
        return next(str(column.header) for column in self.columns if column.key == key)

    def _unit(self, row, role, ctx, errors):
        code = row.get("unit", "")
        if not code:
            errors.append(
                _("The role %(role)s needs the code of the unit it serves.")
                % {"role": Role(role).label}
            )
            return None
        unit = ctx.units.get(code)
        if unit is None:
            errors.append(_("Unknown unit code %(code)s.") % {"code": code})
        elif unit.pk not in ctx.unit_reach:
            errors.append(
                _("You may not grant roles on %(code)s: it is outside your jurisdiction.")
                % {"code": code}
            )
        elif role in policy.DEPARTMENT_ROLES and not policy.may_grant_role(ctx.actor, role, unit):
            # Only a department role asks more than the reach just checked (one query each:
            # a file names few of them, so a file of liaisons stays flat).
            errors.append(
                _(
                    "You may give the role %(role)s only on a unit below your own "
                    "department, not on %(code)s."
                )
                % {"role": Role(role).label, "code": code}
            )
        return unit

    def _trainee_cadre(self, row, ctx, errors):
        number = idnumber.normalize(row.get("id_number", ""))
        if not number:
            errors.append(_("A trainee's row needs the ID number of the cadre's record."))
            return None
        try:
            idnumber.validate_id_number(number)
        except ValidationError as exc:
            errors.extend(exc.messages)
            return None
        cadre = ctx.cadres.get(number)
        if cadre is None:
            # Neutral: whether the number is registered outside the importer's reach stays
            # unknown to them (org.policy.id_number_refusal).
            errors.append(
                _("No cadre with the ID number %(number)s is within your jurisdiction.")
                % {"number": mask_id_number(number)}
            )
        return cadre

    def apply(self, actor, outcomes, progress):
        with transaction.atomic():
            accounts: dict[str, object] = {}
            done = 0
            for outcome in outcomes:
                if outcome.action in (Action.CREATE, Action.UPDATE):
                    _write(actor, outcome.data, accounts)
                done += 1
                if done % BATCH == 0:
                    progress(BATCH)
            if done % BATCH:
                progress(done % BATCH)

    def result_rows(self, actor, batch) -> list[dict]:
        """Each account the batch created that still waits for its password: its link
        and one-time code, made now (nothing is stored)."""
        from imports.models import ImportRow

        if actor is None or not (actor.is_superuser or actor.pk == batch.uploaded_by_id):
            return []
        usernames = []
        for data in (
            ImportRow.objects.filter(batch=batch, action=Action.CREATE)
            .order_by("line")
            .values_list("data", flat=True)
        ):
            if data.get("new_user") and data.get("username") not in usernames:
                usernames.append(data["username"])
        users = get_user_model().objects.filter(username__in=usernames)
        by_name = {u.username: u for u in users}
        site = settings.NOTIFICATIONS_SITE_URL.rstrip("/")
        code_page = site + reverse("account_activate_code")
        rows = []
        for username in usernames:
            user = by_name.get(username)
            if user is None or not activation.pending(user):
                continue
            rows.append(
                {
                    _("Username"): user.username,
                    _("Full name"): user.first_name,
                    _("Activation link"): site + activation.activation_path(user),
                    _("One-time code"): activation.tokens.code(user),
                    _("Or enter the code at"): code_page,
                }
            )
        return rows


def _check_username(username: str) -> list[str]:
    if not username:
        return [_("The username is empty.")]
    if len(username) > 150:
        return [
            _("The username has %(length)s characters; at most 150.") % {"length": len(username)}
        ]
    try:
        get_user_model().username_validator(username)
    except ValidationError:
        return [
            _(
                "The username %(username)s may hold only letters, digits and the "
                "characters @ . + - _."
            )
            % {"username": username}
        ]
    return []


def _check_details(details: dict) -> list[str]:
    errors = []
    name = details["full_name"]
    if not name:
        errors.append(_("The full name is empty."))
    elif len(name) > 150:
        errors.append(
            _("The full name has %(length)s characters; at most 150.") % {"length": len(name)}
        )
    if details["email"]:
        try:
            validate_email(details["email"])
        except ValidationError:
            errors.append(
                _("“%(value)s” is not an e-mail address.") % {"value": details["email"][:254]}
            )
    if details["phone"]:
        try:
            details["phone"] = validate_phone(details["phone"])
        except ValidationError as exc:
            errors.extend(exc.messages)
    return errors


def _changed(account, details, phones) -> bool:
    return (account.first_name, account.email, phones.get(account.pk, "")) != (
        details["full_name"],
        details["email"],
        details["phone"],
    )


class _Context:
    """What checking a file needs, read in a few queries for all its rows."""

    def __init__(self, actor, rows):
        self.actor = actor
        self.roles = _role_lookup()
        User = get_user_model()
        usernames = {row.get("username", "") for _line, row in rows} - {""}
        self.users = {u.username: u for u in User.objects.filter(username__in=usernames)}
        user_ids = [u.pk for u in self.users.values()]
        self.phones = dict(
            ContactProfile.objects.filter(user__in=user_ids).values_list("user_id", "phone")
        )
        self.groups: dict[int, set[str]] = {}
        for user_id, name in User.groups.through.objects.filter(user__in=user_ids).values_list(
            "user_id", "group__name"
        ):
            self.groups.setdefault(user_id, set()).add(name)
        self.perms: set[tuple[int, int, str]] = set()
        self.unit_perms: dict[int, dict[int, set[str]]] = {}  # user: {unit: codenames}
        self.unit_names: dict[int, str] = {}
        for user_id, unit_id, codename, unit_name in UnitUserObjectPermission.objects.filter(
            user__in=user_ids
        ).values_list(
            "user_id", "content_object_id", "permission__codename", "content_object__name"
        ):
            self.perms.add((user_id, unit_id, codename))
            self.unit_perms.setdefault(user_id, {}).setdefault(unit_id, set()).add(codename)
            self.unit_names[unit_id] = unit_name
        codes = {row.get("unit", "") for _line, row in rows} - {""}
        self.units = {u.code: u for u in Unit.objects.filter(code__in=codes)}
        self.unit_reach = self._reach([u.pk for u in self.units.values()])
        # The units of the accounts' grants that the importer keeps: the preview names
        # an account's other roles only there.
        self.grant_reach = self._reach({u for held in self.unit_perms.values() for u in held})
        numbers = {idnumber.normalize(row.get("id_number", "")) for _line, row in rows} - {""}
        cadres = Cadre.objects.filter(id_number__in=numbers)
        if actor is not None and not actor.is_superuser:
            cadres = cadres.filter(pk__in=cadres_in_reach(actor, DISPATCH).values("pk"))
        self.cadres = {c.id_number: c for c in cadres}
        self.linked = dict(Cadre.objects.filter(user__in=user_ids).values_list("user_id", "pk"))
        self.first_line: dict = {}
        self.details: dict = {}
        self.cadre_line: dict = {}
        self.user_cadre: dict = {}
        self._manages: dict[int, bool] = {}

    def _reach(self, unit_ids) -> set[int]:
        if self.actor is None or self.actor.is_superuser:
            return set(unit_ids)
        return set(
            units_in_reach(self.actor, DISPATCH)
            .filter(pk__in=unit_ids)
            .values_list("pk", flat=True)
        )

    def manages(self, account) -> bool:
        if account.pk not in self._manages:
            self._manages[account.pk] = policy.may_manage_account(self.actor, account)
        return self._manages[account.pk]

    def holds(self, account, role, unit, cadre) -> bool:
        if group_name(role) not in self.groups.get(account.pk, set()):
            return False
        if role == Role.TRAINEE:
            return self.linked.get(account.pk) == cadre.pk
        return all(
            (account.pk, unit.pk, codename) in self.perms for codename in ROLE_PERMISSIONS[role]
        )

    def roles_with(self, account, role, unit) -> tuple[str, str]:
        """The roles `account` holds, and with the grant of `role` on `unit` added: as
        the preview shows them ("单位联络员（某市发改委）、…"): only grants on units the
        importer keeps."""
        groups = {name.removeprefix("role:") for name in self.groups.get(account.pk, ())}
        held = []
        for unit_id, codenames in self.unit_perms.get(account.pk, {}).items():
            # (An account the importer manages has all its grants in their reach anyway.)
            if unit_id not in self.grant_reach:
                continue
            fits = [r for r in Role.values if r in groups and _needs(r) and _needs(r) <= codenames]
            # read_scope alone (a deputy, an auditor) is not a role where another one gives it
            held += [(r, unit_id) for r in fits if not any(_needs(r) < _needs(o) for o in fits)]
        if Role.TRAINEE in groups:
            held.append((Role.TRAINEE, None))
        grant = (role, unit.pk if unit else None)
        if unit is not None:
            self.unit_names.setdefault(unit.pk, unit.name)
        return self._roles_text(held), self._roles_text(
            [*held, grant] if grant not in held else held
        )

    def _roles_text(self, grants) -> str:
        order = {role: index for index, role in enumerate(Role.values)}
        grants = sorted(grants, key=lambda g: (order[g[0]], self.unit_names.get(g[1], "")))
        return "、".join(
            str(Role(role).label) + (f"（{self.unit_names[unit_id]}）" if unit_id else "")
            for role, unit_id in grants
        )

    def link_conflicts(self, line, username, account, cadre) -> list[str]:
        """A cadre's record opens for one account; an account opens one record."""
        errors = []
        masked = mask_id_number(cadre.id_number)
        if cadre.user_id and (account is None or cadre.user_id != account.pk):
            errors.append(
                _("The cadre %(number)s already has another account.") % {"number": masked}
            )
        if account is not None and self.linked.get(account.pk) not in (None, cadre.pk):
            errors.append(
                _("The account %(username)s already opens another cadre's record.")
                % {"username": username}
            )
        other = self.cadre_line.setdefault(cadre.pk, (line, username))
        if other[1] != username:
            errors.append(
                _("The cadre %(number)s is given to two accounts (also on line %(line)s).")
                % {"number": masked, "line": other[0]}
            )
        mine = self.user_cadre.setdefault(username, (line, cadre.pk))
        if mine[1] != cadre.pk:
            errors.append(
                _("The account %(username)s is given two cadres' records (also on line %(line)s).")
                % {"username": username, "line": mine[0]}
            )
        return errors


def _needs(role) -> set[str]:
    return set(ROLE_PERMISSIONS[role])


def _write(actor, data, accounts) -> None:
    """One row: the account (created once, or its details updated), then the grant."""
    User = get_user_model()
    username = data["username"]
    account = accounts.get(username)
    if account is None:
        account = User.objects.filter(username=username).first()
        details = {"name": data["full_name"], "email": data["email"], "phone": data["phone"]}
        if account is None:
            account = User(username=username, first_name=data["full_name"], email=data["email"])
            account.set_unusable_password()
            account.save()
            record_event(actor=actor, verb="account.create", target=account, after=details)
            _set_phone(account, data["phone"])
        else:
            before = {
                "name": account.first_name,
                "email": account.email,
                "phone": ContactProfile.objects.filter(user=account)
                .values_list("phone", flat=True)
                .first()
                or "",
            }
            if before != details:
                account.first_name, account.email = data["full_name"], data["email"]
                account.save(update_fields=["first_name", "email"])
                _set_phone(account, data["phone"])
                record_event(
                    actor=actor, verb="account.update", target=account, before=before, after=details
                )
        accounts[username] = account
    role = data["role"]
    if role == Role.TRAINEE:
        cadre = Cadre.objects.select_for_update().get(pk=data["cadre"])
        if cadre.user_id != account.pk:
            Cadre.objects.filter(pk=cadre.pk).update(user=account)
            record_event(
                actor=actor,
                verb="cadre.link_account",
                target=cadre,
                before={"user": cadre.user_id},
                after={"user": account.pk},
            )
        if not account.groups.filter(name=group_name(role)).exists():
            services.role_grant(actor=actor, user=account, role=role)
        return
    unit = Unit.objects.get(pk=data["unit"])
    if (
        not all(
            UnitUserObjectPermission.objects.filter(
                user=account, content_object=unit, permission__codename=codename
            ).exists()
            for codename in ROLE_PERMISSIONS[role]
        )
        or not account.groups.filter(name=group_name(role)).exists()
    ):
        services.role_grant(actor=actor, user=account, role=role, unit=unit)


def _set_phone(account, phone: str) -> None:
    profile = ContactProfile.objects.filter(user=account).first()
    if profile is None:
        if phone:
            ContactProfile.objects.create(user=account, phone=phone)
    elif profile.phone != phone:
        profile.phone = phone
        if not phone:
            profile.sms_enabled = False
        profile.save(update_fields=["phone", "sms_enabled", "updated_at"])


def register_kinds(registry) -> None:
    """Register this module's import kinds."""
    registry.register(AccountImport())
