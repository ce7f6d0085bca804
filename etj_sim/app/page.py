"""The page ``solara run`` serves for ``etj-sim app``: the dashboard and the page title.

Pipeline position: the app, last in the pipeline (... -> metrics -> charts/report/app). Solara
looks up ``Page`` in this module; :mod:`etj_sim.app.command` names the module and hands over the
first language, size preset and number of replications in the environment
(:data:`etj_sim.app.command.PAGE_SETTINGS`).
"""

from __future__ import annotations

import os

import solara

from etj_sim.app.command import PAGE_SETTINGS
from etj_sim.app.dashboard import Dashboard
from etj_sim.app.planning import DEFAULT_REPLICATIONS
from etj_sim.i18n import check_language

__all__ = ["Page"]


@solara.component
def Page() -> None:
    """One dashboard per browser tab (each tab is its own Solara session)."""
    solara.Title("etj_sim")
    Dashboard(
        language=check_language(os.environ.get(PAGE_SETTINGS["lang"], "sv")),
        size=os.environ.get(PAGE_SETTINGS["size"], "town"),
        replications=int(os.environ.get(PAGE_SETTINGS["replications"], str(DEFAULT_REPLICATIONS))),
    )
