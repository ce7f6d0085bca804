"""The page ``solara run`` serves for ``etj-sim app``: the dashboard and the page title.

Pipeline position: the app, last in the pipeline (... -> metrics -> charts/report/app). Solara
looks up ``Page`` in this module; :mod:`etj_sim.app.command` names the module.
"""

from __future__ import annotations

import solara

from etj_sim.app.dashboard import Dashboard

__all__ = ["Page"]


@solara.component
def Page() -> None:
    """One dashboard per browser tab (each tab is its own Solara session)."""
    solara.Title("etj_sim")
    Dashboard()
