"""etj_sim: simulation and analytics for the Swedish 1177 e-services.

Architecture (one direction, visible in the module names)::

    scenarios/*.toml -> Scenario (etj_sim.scenario)
        -> synthesize_population (etj_sim.population): people and guardianships as polars frames
        -> EServices (etj_sim.domain): the in-memory 1177 -- register, portal, staff tool, record
           system, alert gateway -- enforcing every rule of docs/rules.md
        -> simulate (etj_sim.simulation): SimPy processes acting through the domain facade
        -> event log (etj_sim.events): one typed polars frame, written by the domain
        -> metrics (etj_sim.metrics) -> charts (etj_sim.charts), report (etj_sim.report), notebooks
    experiments (etj_sim.experiments): many (scenario, seed) runs on local processes or Dask

The domain has no SimPy, no randomness and no I/O; only ``simulation`` imports SimPy; only
``charts`` and ``report`` import altair. The names below are the public API; they are imported
lazily so that ``import etj_sim`` stays fast (a notebook that only tours the domain never pays
for SimPy or altair).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from etj_sim.experiments import Experiment, ExperimentResult, run_experiment
    from etj_sim.population import Population, synthesize_population
    from etj_sim.scenario import Scenario, ScenarioError
    from etj_sim.simulation import SimulationResult, simulate

__all__ = [
    "Experiment",
    "ExperimentResult",
    "Population",
    "Scenario",
    "ScenarioError",
    "SimulationResult",
    "__version__",
    "run_experiment",
    "simulate",
    "synthesize_population",
]

__version__ = "0.1.0"

_LAZY = {
    "Scenario": "etj_sim.scenario",
    "ScenarioError": "etj_sim.scenario",
    "Population": "etj_sim.population",
    "synthesize_population": "etj_sim.population",
    "SimulationResult": "etj_sim.simulation",
    "simulate": "etj_sim.simulation",
    "Experiment": "etj_sim.experiments",
    "ExperimentResult": "etj_sim.experiments",
    "run_experiment": "etj_sim.experiments",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'etj_sim' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
