"""Packaging hook for the optional compiled build (mypyc); everything else is in pyproject.toml.

Pipeline position: packaging only. ``pip install .`` (and the editable install of ``make test``)
builds the pure-Python package. With ``ETJ_SIM_COMPILE=1`` the modules on the simulation's hot
path (the event log, the domain and the simulation) are compiled to C extensions with mypyc,
which runs a SimPy run 1.4 to 1.65 times faster and gives the same event log. ``make compiled``
builds it into ``.venv-compiled``; the README's "Performance" section says when to use it.

The compiled build needs mypy (which ships mypyc), a C compiler and the Python headers, and
type-checks the modules with the project's mypy settings; it is built without build isolation
into an environment that already holds the dependencies (``make compiled`` does this).
"""

from __future__ import annotations

import os
from pathlib import Path

from setuptools import setup

# The hot path of a run. Left out: modules mypyc rejects or would change (``domain/views.py``
# writes a class attribute in ``__new__``; ``domain/columns.py`` and ``domain/identity.py``
# check argument types themselves, which compiled code would do first with other messages) and
# whole-column numpy code that gains nothing (``domain/register_columns.py``).
COMPILED_MODULES = [
    "etj_sim/events.py",
    *(
        f"etj_sim/domain/{name}.py"
        for name in (
            "__init__",
            "accounts",
            "alerts",
            "cases",
            "clock",
            "errors",
            "inbox",
            "listeners",
            "portal",
            "records",
            "register",
            "services",
            "staff_tool",
        )
    ),
    *sorted(str(path.as_posix()) for path in Path("etj_sim/simulation").glob("*.py")),
]


def extensions() -> list[object]:
    """The mypyc extensions when ``ETJ_SIM_COMPILE=1``, else none (a pure-Python build)."""
    if os.environ.get("ETJ_SIM_COMPILE", "") != "1":
        return []
    from mypyc.build import mypycify

    return list(mypycify(COMPILED_MODULES, opt_level="3"))


setup(ext_modules=extensions())
