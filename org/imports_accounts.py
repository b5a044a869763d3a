"""The import kind of staff accounts and their roles ("账号与角色", imports.kinds).

One row per (account, role, unit): a person with two roles takes two rows; a trainee's
row names the cadre (by ID number) whose record the account opens, instead of a unit. No
password ever comes from the file: no column reads one, every new account gets an
unusable password, and after the commit `result_rows` hands the importer an activation
link and a one-time code per new account (org.activation), computed when asked.

Who may grant what is `org.policy.may_grant_role` (never to oneself: a row naming the
importer's own account is an error), asked again by `org.services.role_grant`; an
existing account's name, e-mail, phone and status change, and it gains a role, only when
the importer could have granted every role it holds (`org.policy.may_manage_account`). A
column the file leaves out (e-mail, phone, status) keeps an existing account's value.

The file is the truth about the roles it names, within the importer's reach: the units
listed for an account's role are all it serves in that role there, so a grant of that
role on a unit of the reach (a department role: where the importer could give it) that
the file no longer lists is taken away (`org.services.role_revoke`; itemised as 撤销 on
the file's first row of the account and role). Units outside the reach, roles the file
does not name for the account and the trainee role are left alone. The optional 状态
column deactivates an account (停用: no sign-in, nothing deleted) or activates it (启用).
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.services import record_event
from core.masking import mask_id_number
from imports.kinds import Action, Column, ImportKind, RowOutcome, differences
from notifications.models import ContactProfile
from org import activation, idnumber, policy, services
from org.imports_common import (
    AccountGrants,
    check_account_details,
    check_username,
    choice_labels,
    choice_lookup,
    holds_any,
    text,
)
from org.models import Cadre, Unit, UnitUserObjectPermission
from org.roles import ROLE_PERMISSIONS, Role, group_name
from org.selectors import cadres_in_reach, units_in_reach

BATCH = 200
DISPATCH = "issue_dispatch"


# -- the kind ---------------------------------------------------------------------------


#: the 状态 column: an account active or not; empty leaves it as it is
STATUS = {"启用": True, "正常": True, "active": True, "停用": False, "inactive": False}
_shown = {True: "启用", False: "停用"}.get


class AccountImport(ImportKind):
    slug = "accounts"
    label = gettext_lazy("Accounts and roles")
    order = 60
    description = gettext_lazy(
        "One row per account, role and unit: a person with two roles takes two rows. A "
        "trainee's row gives the cadre's ID number instead of a unit. For each account and "
        "role the file names, the units it lists are all the units the account serves in "
        "that role within your jurisdiction: the role is taken away on a unit of your "
        "jurisdiction the file no longer lists (the preview shows it as revoked). Roles the "
        "file does not name for an account, and units outside your jurisdiction, are left "
        "as they are. The file must not hold passwords: a file with a password column is "
        "refused, and not kept. After the import you print each new account's activation "
        "link and one-time code, with which its owner sets a password."
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
            help=gettext_lazy("One of: %(roles)s.") % {"roles": choice_labels(Role)},
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
        Column(
            "status",
            gettext_lazy("Status"),
            aliases=("状态", "账号状态", "status"),
            help=gettext_lazy(
                "停用 deactivates the account (it can no longer sign in; nothing is deleted), "
                "启用 activates it again; empty leaves it as it is. The same on every row of "
                "the account."
            ),
        ),
    ]

    def may_import(self, user) -> bool:
        if not user.is_authenticated or not user.is_active:
            return False
        return user.is_superuser or holds_any(user, (DISPATCH,))

    def check(self, actor, rows):
        rows = [(line, {key: text(value) for key, value in row.items()}) for line, row in rows]
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
            "active": STATUS.get(row.get("status", "").lower()),
        }
        errors.extend(check_username(username))
        errors.extend(check_account_details(details))
        account = ctx.users.get(username)
        if account is not None:
            # A column the file leaves out keeps the account's value (an empty cell clears).
            kept = {"email": account.email, "phone": ctx.phones.get(account.pk, "")}
            details.update({key: kept[key] for key in kept if key not in row})
        if row.get("status") and details["active"] is None:
            message = _("Unknown status “%(value)s”; write 停用 or 启用, or leave it empty.")
            errors.append(message % {"value": row["status"][:20]})
        role = ctx.roles.get(row.get("role", "").lower())
        unit = cadre = None
        if role is None:
            errors.append(
                _("Unknown role “%(value)s”; write one of: %(roles)s.")
                % {"value": row.get("role", ""), "roles": choice_labels(Role)}
            )
        elif role == Role.TRAINEE:
            cadre = self._trainee_cadre(row, ctx, errors)
        else:
            unit = self._unit(row, role, ctx, errors)
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
                    "The name, e-mail, phone or status of %(username)s differs from line "
                    "%(line)s; write the same on every row of an account."
                )
                % {"username": username, "line": seen[0]}
            )
        if account is not None and ctx.actor is not None and account.pk == ctx.actor.pk:
            if not ctx.actor.is_superuser:
                # Separation of duties: nobody widens their own powers.
                errors.append(_("You cannot grant roles to your own account."))
            elif details["active"] is False:
                errors.append(_("You cannot deactivate your own account."))
        changes = account is not None and _changed(account, details, ctx.phones)
        held = account is not None and (unit or cadre) and ctx.holds(account, role, unit, cadre)
        if changes and not ctx.manages(account):
            errors.append(
                _(
                    "The account %(username)s exists and holds roles outside your "
                    "jurisdiction: only those who manage all its roles may change its name, "
                    "e-mail, phone or status."
                )
                % {"username": username}
            )
        elif account is not None and (unit or cadre) and not held and not ctx.manages(account):
            errors.append(
                _(
                    "The account %(username)s exists and holds roles outside your "
                    "jurisdiction: only those who manage all its roles may give it another "
                    "role."
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
        revoked = ctx.revocations(account, role, line) if unit else []
        outcome.data["revoke"] = revoked
        # Roles taken away make an update, a new grant a creation; either is itemised.
        outcome.action = (
            Action.UPDATE if revoked or changes else Action.UNCHANGED if held else Action.CREATE
        )
        gone = [unit_id for unit_id, _keeping in revoked]
        roles = [] if held and not gone else [ctx.roles_with(account, role, unit, gone)]
        outcome.changes = differences(
            [
                (self._header("full_name"), account.first_name, details["full_name"]),
                (self._header("email"), account.email, details["email"]),
                (self._header("phone"), ctx.phones.get(account.pk, ""), details["phone"]),
                (self._header("status"), account.is_active, _active(account, details), _shown),
                *[(self._header("role"), *texts) for texts in roles],
                *[(_("Revoked"), ctx.grants.text([(role, unit_id)]), "") for unit_id in gone],
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
        """Each account the batch created that still waits for its password and that
        `actor` (the viewer) may still manage: its link and one-time code, made now
        (nothing is stored)."""
        from imports.models import ImportRow

        if actor is None or not (actor.is_superuser or actor.pk == batch.uploaded_by_id):
            return []
        created = ImportRow.objects.filter(batch=batch, action=Action.CREATE).order_by("line")
        usernames = dict.fromkeys(
            data["username"]
            for data in created.values_list("data", flat=True)
            if data.get("new_user")
        )
        by_name = get_user_model().objects.in_bulk(list(usernames), field_name="username")
        # Only accounts the viewer may still manage (`policy.may_manage_account`).
        manages = policy.manageable_accounts(actor, by_name.values())
        site = settings.NOTIFICATIONS_SITE_URL.rstrip("/")
        code_page = site + reverse("account_activate_code")
        rows = []
        for username in usernames:
            user = by_name.get(username)
            if user is None or not activation.pending(user):
                continue
            if user.pk not in manages:
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


def _active(account, details) -> bool:
    return account.is_active if details["active"] is None else details["active"]


def _changed(account, details, phones) -> bool:
    now = (account.first_name, account.email, phones.get(account.pk, ""), account.is_active)
    return now != (
        *(details[k] for k in ("full_name", "email", "phone")),
        _active(account, details),
    )


class _Context:
    """What checking a file needs, read in a few queries for all its rows."""

    def __init__(self, actor, rows):
        self.actor = actor
        self.roles = choice_lookup(Role)
        User = get_user_model()
        usernames = {row.get("username", "") for _line, row in rows} - {""}
        self.users = {u.username: u for u in User.objects.filter(username__in=usernames)}
        user_ids = [u.pk for u in self.users.values()]
        self.phones = dict(
            ContactProfile.objects.filter(user__in=user_ids).values_list("user_id", "phone")
        )
        self.grants = AccountGrants(user_ids)
        codes = {row.get("unit", "") for _line, row in rows} - {""}
        self.units = {u.code: u for u in Unit.objects.filter(code__in=codes)}
        # The units the file lists for each (username, role), and the first line of each,
        # which carries its revocations.
        self.listed: dict[tuple, set[int]] = {}
        self.first_of_role: dict[tuple, int] = {}
        for line, row in rows:
            role = self.roles.get(row.get("role", "").lower())
            unit = self.units.get(row.get("unit"))
            if role not in (None, Role.TRAINEE) and unit is not None:
                key = (row.get("username", ""), role)
                self.listed.setdefault(key, set()).add(unit.pk)
                self.first_of_role.setdefault(key, line)
        self.unit_reach = self._reach([u.pk for u in self.units.values()])
        # The units of the accounts' grants the importer keeps (the preview names them).
        self.grant_reach = self._reach(self.grants.units)
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
        self._manages: set[int] | None = None

    def _reach(self, unit_ids) -> set[int]:
        if self.actor is None or self.actor.is_superuser:
            return set(unit_ids)
        reach = units_in_reach(self.actor, DISPATCH).filter(pk__in=unit_ids)
        return set(reach.values_list("pk", flat=True))

    def manages(self, account) -> bool:
        """`policy.may_manage_account`, asked once for all the file's accounts."""
        if self._manages is None:
            self._manages = policy.manageable_accounts(self.actor, self.users.values())
        return account.pk in self._manages

    def holds(self, account, role, unit, cadre) -> bool:
        if role != Role.TRAINEE:
            return self.grants.holds(account.pk, role, unit.pk)
        linked = self.linked.get(account.pk) == cadre.pk
        return linked and role in self.grants.roles.get(account.pk, ())

    def revocations(self, account, role, line) -> list[list]:
        """[[unit id, the roles the file gives the account there]] of each grant of `role`
        in the importer's reach that the file no longer lists (`AccountGrants.to_revoke`);
        only on the file's first row of the account and role."""
        key = (account.username, role)
        if role == Role.TRAINEE or self.first_of_role.get(key) != line:
            return []
        units = self.grants.to_revoke(
            self.actor, account.pk, role, self.listed[key], self.grant_reach
        )
        if not units:
            return []
        kept = [(r, ids) for (name, r), ids in self.listed.items() if name == key[0] and r != role]
        return [[u.pk, sorted(r for r, ids in kept if u.pk in ids)] for u in units]

    def roles_with(self, account, role, unit, revoked=()) -> tuple[str, str]:
        """The roles `account` holds on the units the importer keeps (an account they
        manage has all its grants there), and with the grant of `role` on `unit` added and
        on the units `revoked` taken away: as the preview shows them."""
        held = self.grants.held(account.pk, self.grant_reach)
        grant = (role, unit.pk if unit else None)
        if unit is not None:
            self.grants.units.setdefault(unit.pk, unit)  # for its name
        after = [g for g in held if g[0] != role or g[1] not in revoked]
        return self.grants.text(held), self.grants.text(after + [grant] * (grant not in after))

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


def _write(actor, data, accounts) -> None:
    """One row: the account (created once, or its details and status updated), then the
    grant, then the revocations of the same role the row carries."""
    User = get_user_model()
    username = data["username"]
    account = accounts.get(username)
    if account is None:
        account = User.objects.filter(username=username).first()
        details = {"name": data["full_name"], "email": data["email"], "phone": data["phone"]}
        active = data.get("active")
        if account is None:
            account = User(username=username, first_name=data["full_name"], email=data["email"])
            account.is_active = active is not False
            account.set_unusable_password()
            account.save()
            after = {**details, "is_active": account.is_active}
            record_event(actor=actor, verb="account.create", target=account, after=after)
            _set_phone(account, data["phone"])
        else:
            before = {
                "name": account.first_name,
                "email": account.email,
                "phone": getattr(ContactProfile.objects.filter(user=account).first(), "phone", ""),
            }
            if before != details:
                account.first_name, account.email = data["full_name"], data["email"]
                account.save(update_fields=["first_name", "email"])
                _set_phone(account, data["phone"])
                record_event(
                    actor=actor, verb="account.update", target=account, before=before, after=details
                )
            if active is not None:
                # Its (and its deputies') lost claimed tasks go back to the queue.
                services.account_set_active(actor=actor, user=account, active=active)
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
    needs = ROLE_PERMISSIONS[role]
    if (
        UnitUserObjectPermission.objects.filter(
            user=account, content_object=unit, permission__codename__in=needs
        ).count()
        < len(needs)
        or not account.groups.filter(name=group_name(role)).exists()
    ):
        services.role_grant(actor=actor, user=account, role=role, unit=unit)
    # After the grant: a liaison moved from one unit to another keeps the role's group.
    for unit_id, keeping in data.get("revoke", ()):
        services.role_revoke(
            actor=actor, user=account, role=role, unit=Unit.objects.get(pk=unit_id), keeping=keeping
        )


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
