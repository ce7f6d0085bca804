"""Benchmarks: scripts that print throughput and memory figures (not tests).

Importing the package checks which build a benchmark is about to measure: started with ``python
-m benchmarks.NAME`` from the checkout in an environment that has the compiled build installed,
the checkout's pure-Python source shadows it, and a line on stderr says so and how to measure
the compiled one (``benchmarks/installed.py``).
"""

import shlex
import sys
import sysconfig
from pathlib import Path


def build() -> str:
    """Which build of etj_sim this process imported: ``"compiled"`` (mypyc, setup.py) or
    ``"pure"``; each benchmark's JSON says it as ``"build"``."""
    import etj_sim.events

    return "compiled" if etj_sim.events.__file__.endswith((".so", ".pyd")) else "pure"


INSTALLED_LAUNCHER = Path(__file__).resolve().parent / "installed.py"
"""``python INSTALLED_LAUNCHER NAME ARGS...`` runs ``benchmarks.NAME`` with the checkout at the
end of sys.path: ``benchmarks`` is found there, while ``etj_sim`` is the one the interpreter has
installed (in the compiled build's environment, the compiled package rather than the checkout's
pure-Python source). ``make bench``'s compiled steps and the scaling mode start their children
this way."""


def installed_command(python: str, module: str) -> list[str]:
    """The command that runs benchmark ``module`` (``benchmarks.simulate``) under ``python``
    against the etj_sim that interpreter has installed (:data:`INSTALLED_LAUNCHER`)."""
    return [python, str(INSTALLED_LAUNCHER), module.removeprefix("benchmarks.")]


def shadowed_compiled_build() -> Path | None:
    """The compiled etj_sim this interpreter has installed, when this process imported the
    checkout's pure-Python source instead; else None (the build imported is the one installed,
    or no compiled build is installed here)."""
    if build() == "compiled":
        return None
    for key in ("platlib", "purelib"):
        package = Path(sysconfig.get_paths()[key]) / "etj_sim"
        if any(package.glob("events*.so")) or any(package.glob("events*.pyd")):
            return package
    return None


def warn_if_shadowed() -> None:
    """One line on stderr when :func:`shadowed_compiled_build` finds the compiled build unused."""
    installed = shadowed_compiled_build()
    if installed is not None:
        # The command line as given (``python -m benchmarks.shards --days 60``), for a command
        # to copy; while this package is imported sys.argv[0] is still "-m".
        given = list(sys.orig_argv)
        rest = "NAME [OPTIONS]"
        if "-m" in given[:-1] and given[given.index("-m") + 1].startswith("benchmarks."):
            at = given.index("-m")
            rest = shlex.join([given[at + 1].removeprefix("benchmarks."), *given[at + 2 :]])
        print(
            f"benchmarks: measuring the checkout's pure-Python source, although this interpreter "
            f"has the compiled build installed ({installed}): `python -m` puts the checkout first "
            f"on sys.path. For the compiled build: {sys.executable} benchmarks/installed.py "
            f"{rest}",
            file=sys.stderr,
        )


warn_if_shadowed()
