"""Run one benchmark against the etj_sim this interpreter has installed, not the checkout's source.

Pipeline position: outside the pipeline, a launcher for ``benchmarks/``. ``python -m
benchmarks.shards`` from the checkout puts the checkout first on ``sys.path``, so even in the
compiled build's environment (``.venv-compiled``) it imports the pure-Python source and measures
that. Through this file the checkout goes to the end of ``sys.path`` instead: ``benchmarks`` is
found there and ``etj_sim`` is the installed (in ``.venv-compiled``, compiled) package.

Run: ``.venv-compiled/bin/python benchmarks/installed.py shards --shards 2 --workers 2`` (a
benchmark's name, then its own options; each prints or records which build it measured).
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHECKOUT = HERE.parent
NAMES = sorted(
    path.stem
    for path in HERE.glob("*.py")
    if not path.stem.startswith("_") and path != HERE / "installed.py"
)


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in NAMES:
        given = repr(sys.argv[1]) if len(sys.argv) >= 2 else "nothing"
        print(
            f"benchmarks/installed.py: expected a benchmark's name first ({', '.join(NAMES)}), "
            f"got {given}",
            file=sys.stderr,
        )
        raise SystemExit(2)
    # A script's own folder leads sys.path; here that is benchmarks/, whose modules would then
    # also import as top-level ones (``simulate``, ``metrics``). Only the package is wanted.
    if sys.path and sys.path[0] and Path(sys.path[0]).resolve() == HERE:
        sys.path.pop(0)
    sys.path.append(str(CHECKOUT))
    name = sys.argv.pop(1)
    runpy.run_module(f"benchmarks.{name}", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
