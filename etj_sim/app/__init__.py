"""The planner's dashboard: a page in the browser (``etj-sim app``) and a panel in JupyterLab.

Pipeline position: the app, last in the pipeline
(scenario -> population -> domain -> simulation -> event log -> metrics -> charts/report/app).

- :func:`Dashboard` (:mod:`etj_sim.app.dashboard`): the Solara component; in a notebook cell,
  ``etj_sim.app.Dashboard()`` shows it;
- :mod:`etj_sim.app.planning`: what the page does, without the page (levers, sizes, uploads,
  runs, replications, downloads);
- :mod:`etj_sim.app.command`: ``etj-sim app [--port N] [--host 127.0.0.1] [--open]``;
- :mod:`etj_sim.app.page`: the module ``solara run`` serves.

``Dashboard`` is imported lazily: the planning helpers and the command work without loading
Solara.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from etj_sim.app.dashboard import Dashboard

__all__ = ["Dashboard"]


def __getattr__(name: str) -> Any:
    if name == "Dashboard":
        from etj_sim.app.dashboard import Dashboard

        return Dashboard
    raise AttributeError(f"module 'etj_sim.app' has no attribute {name!r}")
