"""Batch experiments: replications, sweeps, confidence intervals, local and Dask backends.

Pipeline position: after the simulation. ``Experiment (base scenario, overrides, design,
replications, master seed) -> runs (scenario, seed) -> backend -> simulate -> summary rows ->
statistics``. The parts:

- :mod:`~etj_sim.experiments.experiment`: :class:`Experiment`, seeds and run ids;
- :mod:`~etj_sim.experiments.designs`: grid, Latin hypercube, explicit scenarios, regions;
- :mod:`~etj_sim.experiments.regions`: Sweden's 21 regions and their populations;
- :mod:`~etj_sim.experiments.pool`: the local backend's worker processes;
- :mod:`~etj_sim.experiments.runner`: :func:`run_experiment` on the local or Dask backend;
- :mod:`~etj_sim.experiments.store`: the results folder (atomic Parquet files, manifest, resume);
- :mod:`~etj_sim.experiments.statistics`: t intervals, paired differences, replications needed;
- :mod:`~etj_sim.experiments.national`: the national experiment and the national combiner;
- :mod:`~etj_sim.experiments.command`: the ``etj-sim batch`` command;
- :mod:`~etj_sim.experiments.benefit`: the benefit table of appointment notices (F7);
- :mod:`~etj_sim.experiments.staffing` (and ``staffing_command``): the staffing advisor;
- :mod:`~etj_sim.experiments.sensitivity`: Morris and Sobol indices of a sensitivity design;
- :mod:`~etj_sim.experiments.warmup`: MSER-5's warm-up in every run's summary row;
- :mod:`~etj_sim.experiments.calibration`: history matching to observed figures.
"""

from etj_sim.experiments.benefit import benefit_table
from etj_sim.experiments.designs import (
    DesignPoint,
    GridDesign,
    LatinHypercubeDesign,
    NationalRegionsDesign,
    ScenarioEntry,
    ScenariosDesign,
)
from etj_sim.experiments.experiment import Experiment, Run, replication_seed, run_id_of
from etj_sim.experiments.national import combine_regions, national_experiment
from etj_sim.experiments.runner import (
    DaskConnectionError,
    ExperimentResult,
    ResultFileWarning,
    RunFailureWarning,
    run_experiment,
    simulate_run,
)
from etj_sim.experiments.statistics import (
    ConfidenceInterval,
    confidence_interval,
    paired_differences,
    replications_needed,
    summarise,
)
from etj_sim.experiments.store import ExperimentFolderError

__all__ = [
    "ConfidenceInterval",
    "DaskConnectionError",
    "DesignPoint",
    "Experiment",
    "ExperimentFolderError",
    "ExperimentResult",
    "GridDesign",
    "LatinHypercubeDesign",
    "NationalRegionsDesign",
    "ResultFileWarning",
    "Run",
    "RunFailureWarning",
    "ScenarioEntry",
    "ScenariosDesign",
    "benefit_table",
    "combine_regions",
    "confidence_interval",
    "national_experiment",
    "paired_differences",
    "replication_seed",
    "replications_needed",
    "run_experiment",
    "run_id_of",
    "simulate_run",
    "summarise",
]
