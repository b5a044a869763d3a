"""Further steps of the demo, run by demo.city.seed after the dispatch scenario.

Each module here named `s<NN>_<topic>.py` (run in the order of NN) defines
`run(today: datetime.date) -> bool`, which builds its part of the demo once and returns
whether it created anything (a re-run creates nothing)."""

import importlib
import pkgutil


def run_all(today) -> bool:
    created = False
    names = sorted(i.name for i in pkgutil.iter_modules(__path__) if i.name.startswith("s"))
    for name in names:
        module = importlib.import_module(f"{__name__}.{name}")
        created = module.run(today) or created
    return created
