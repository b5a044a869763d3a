"""A class's 调训对象 (target cadres): the cadre categories its plan line names. The notice
tells units to "确保参训人员符合调训对象要求"; the nomination's pages name the targets and
mark a nominee outside them, for the liaison before sending and for the head and the
dispatcher deciding. Plans live above this app: the planning app registers the reader
(`register_class_targets`) from its AppConfig; a class made by hand names none."""

from core.hooks import Readers
from org.models import CadreCategory

#: `reader(training_class)` → the category values it targets ([] for any cadre)
_readers = Readers()
register_class_targets = _readers.register


def class_targets(training_class) -> list[str]:
    return list(_readers.first(training_class, default=()))


def targets_label(targets) -> str:
    """The targets as printed: their labels joined with 、 ('' for none)."""
    labels = dict(CadreCategory.choices)
    return "、".join(str(labels.get(value, value)) for value in targets)


def off_target(cadre, targets) -> bool:
    """Whether `cadre` is outside the class's targets (never, when it names none)."""
    return bool(targets) and cadre.category not in targets
