"""Import kinds (imports.kinds) of the unit tree, the organization departments and the
cadres: the rules are in `org.imports_units`, `org.imports_departments` and
`org.imports_cadres`."""

from org.imports_cadres import CadreImport
from org.imports_departments import OrgDepartmentImport
from org.imports_units import UnitImport


def register_kinds(registry) -> None:
    """Register this module's import kinds."""
    for kind in (UnitImport(), OrgDepartmentImport(), CadreImport()):
        registry.register(kind)
