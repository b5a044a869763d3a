"""The permission matrix's vocabulary (tests/hardening/route_matrix.py): the roles that
probe every route, the two sides whose sample objects they probe (the city's unit A and
the county), who reaches which side, and `Expect`, the outcomes allowed for one route,
with the helpers that build its tables."""

from dataclasses import dataclass, field

# -- roles and sides -------------------------------------------------------------------------

ANONYMOUS = "anonymous"
TRAINEE = "trainee"  # Dave, the trainee of cadre A
LIAISON = "liaison"  # Lily, liaison of unit A
HEAD = "head"  # Alice, department head of unit A
DEPUTY = "deputy"  # Dan, deputy head of unit A (no delegation running)
REGISTRAR = "registrar"  # Rita, registrar of the city's party school
CITY_DISPATCHER = "city dispatcher"  # Bob, the whole city
COUNTY_DISPATCHER = "county dispatcher"  # Carol, the county only
ORG_HEAD = "org head"  # Oscar, the city's organization department head
AUDITOR = "auditor"  # Audrey, reads the whole city

ROLES = [
    ANONYMOUS,
    TRAINEE,
    LIAISON,
    HEAD,
    DEPUTY,
    REGISTRAR,
    CITY_DISPATCHER,
    COUNTY_DISPATCHER,
    ORG_HEAD,
    AUDITOR,
]
SIGNED_IN = ROLES[1:]

#: Two more roles probe Django's admin only (tests/hardening/admin_routes.py): a staff
#: member (is_staff; the city's dispatcher, so the admin's jurisdiction-filtered lists
#: show them the samples; no admin permission of their own) and a superuser.
STAFF = "staff"
SUPERUSER = "superuser"

#: the city side: unit A's cadre, the city's class, roll call, processes …; the county
#: side: a county-managed cadre of unit B, the county's class, roll call, processes …
CITY = "city"
COUNTY = "county"
SIDES = [CITY, COUNTY]

#: who reaches the samples of each side (read_scope on the scope unit, or their own record)
WHOLE_CITY = {CITY_DISPATCHER, ORG_HEAD, AUDITOR}
UNIT_A = {LIAISON, HEAD, DEPUTY}
REACH = {
    CITY: WHOLE_CITY | UNIT_A,
    COUNTY: WHOLE_CITY | {COUNTY_DISPATCHER},
}
DISPATCHERS = {CITY_DISPATCHER, COUNTY_DISPATCHER}
#: who reads what a department organizes (roll calls, circulars), and what a unit does
ORGANIZERS = {CITY: WHOLE_CITY, COUNTY: WHOLE_CITY | {COUNTY_DISPATCHER}}
UNITS = REACH

OK = {"200", "302"}


# -- expectations ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Expect:
    """The outcomes allowed for one route. `get` and `post` map a role to its allowed
    outcomes, either one set for both sides or a dict side → set; a role not named gets
    `otherwise`. Anonymous visitors get "login" unless `public`."""

    get: dict = field(default_factory=dict)
    post: dict = field(default_factory=dict)
    otherwise: frozenset = frozenset({"403"})
    post_otherwise: frozenset | None = None
    public: bool = False

    def allowed(self, role, side, method):
        if role == ANONYMOUS and not self.public:
            return {"login"}
        table = self.get if method == "GET" else self.post
        fallback = self.otherwise if method == "GET" else (self.post_otherwise or self.otherwise)
        value = table.get(role, fallback)
        if isinstance(value, dict):
            value = value[side]
        return set(value)

    def allowed_to_act(self, role, got):
        """A write (an audit event) is expected only from a signed-in role whose request
        went through (2xx/3xx): never from a refusal or a login redirect."""
        return role != ANONYMOUS and got in OK


def every(outcomes, roles=SIGNED_IN):
    """The same outcomes for each of `roles`."""
    return {role: frozenset(outcomes) for role in roles}


def by_reach(reach, inside, outside=("404",), lacking=None, roles=SIGNED_IN):
    """`inside` for the roles reaching a side's sample (`reach`: side → roles), `outside`
    for the others; `lacking` (role → outcomes) for roles that reach it but whose page
    it is not."""
    table = {}
    for role in roles:
        table[role] = {
            side: frozenset(inside if role in reach[side] else outside) for side in SIDES
        }
        if lacking and role in lacking:
            table[role] = {
                side: frozenset(lacking[role] if role in reach[side] else outside) for side in SIDES
            }
    return table
