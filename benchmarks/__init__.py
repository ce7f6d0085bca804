"""Benchmarks: scripts that print throughput and memory figures (not tests)."""


def build() -> str:
    """Which build of etj_sim this process imported: ``"compiled"`` (mypyc, setup.py) or
    ``"pure"``; each benchmark's JSON says it as ``"build"``."""
    import etj_sim.events

    return "compiled" if etj_sim.events.__file__.endswith((".so", ".pyd")) else "pure"


CHECKOUT_BOOTSTRAP = (
    "import runpy, sys; sys.path.append(sys.argv.pop(1)); module = sys.argv.pop(1); "
    "runpy.run_module(module, run_name='__main__', alter_sys=True)"
)
"""``python -P -c CHECKOUT_BOOTSTRAP CHECKOUT MODULE ARGS...`` runs a benchmark module with the
checkout at the end of sys.path: ``benchmarks`` is found there, while ``etj_sim`` is the one the
interpreter has installed (in the compiled build's environment, the compiled package rather than
the checkout's pure-Python source)."""
