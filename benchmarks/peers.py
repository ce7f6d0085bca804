"""Benchmark against peers: one M/M/c workload in etj_sim, Ciw and a plain SimPy model.

Pipeline position: outside the pipeline; it times the whole of ``scenario -> simulate -> event
log`` on the queueing-theory set-up of ``tests/validation/test_queueing.py`` (one clinic, c
nurses always on duty, Poisson arrivals, exponential handling of 5 minutes, no outreach, no
dialogue) against two peers simulating the same M/M/c queue in the same process:

- **etj_sim**: cases per second of the SimPy run (``SimulationResult.timings["run"]``), each case
  going through the whole domain: started in the portal, queued, assigned, answered in the staff
  tool, the answer delivered to the inbox with its alert, read later; every step logged;
- **Ciw** (``ciw.Simulation``, a queueing-network library): customers served per second;
- **plain SimPy**: a ``simpy.Resource`` with c servers, one process per customer: customers
  served per second.

Target (issue 20): etj_sim at least as many cases per second as Ciw. The three run in turn, in
``--rounds`` rounds (default 3) in one process, so a busy spell of a shared machine slows each
of them in some round rather than one of them in the only round: the ratios reported are the
medians of the rounds' ratios, and each round is printed. Run: ``.venv/bin/python -m
benchmarks.peers [--load 0.8] [--servers 2] [--days 120] [--seed 1] [--rounds 3]``; the last
line is one JSON object (the median figures, the ratios and every round under ``rounds``).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import simpy

import benchmarks
import etj_sim
from etj_sim.scenario import AGE_BANDS, CASE_KINDS, Scenario
from etj_sim.simulation import simulate
from etj_sim.simulation.citizens import MINUTES_PER_DAY

HANDLING_MINUTES = 5.0
POPULATION_SIZE = 1_500
ADULT_BANDS = frozenset({"18-29", "30-49", "50-64", "65-79", "80+"})
EXPECTED_ADULT_SHARE = 0.79
"""Expected adults of the "sweden" profile: aims the nominal load as the validation test does."""


def queue_scenario(load: float, servers: int, days: int) -> Scenario:
    """The M/M/c scenario of ``tests/validation/test_queueing.py`` at utilisation ``load``."""
    arrivals_per_day = load * servers * MINUTES_PER_DAY / HANDLING_MINUTES
    cases_per_adult_per_year = arrivals_per_day * 365.0 / (POPULATION_SIZE * EXPECTED_ADULT_SHARE)
    exponential = {
        "mean_minutes": HANDLING_MINUTES,
        "sd_minutes": HANDLING_MINUTES,
        "distribution": "exponential",
    }
    adults_only = {band: (1.0 if band in ADULT_BANDS else 0.0) for band in AGE_BANDS}
    return Scenario(name=f"mmc-{load}", duration_days=days).with_overrides(
        {
            "population.size": POPULATION_SIZE,
            "population.active_account_share_by_age": dict.fromkeys(AGE_BANDS, 1.0),
            "population.bankid_share_by_age": adults_only,
            "population.samordningsnummer_share": 0.0,
            "population.protected_share": 0.0,
            "demand.age_multiplier": adults_only,
            "demand.cases_per_person_per_year": {
                kind: (cases_per_adult_per_year if kind == CASE_KINDS[0] else 0.0)
                for kind in CASE_KINDS
            },
            "demand.weekday_weights": [1.0] * 7,
            "demand.hour_weights": [1.0] * 24,
            "demand.attachment_share": 0.0,
            "clinics.count": 1,
            "clinics.staff_per_clinic": {"nurse": servers, "physician": 0, "administrator": 0},
            "clinics.open_weekdays": list(range(7)),
            "clinics.shift_start_hour": 0.0,
            "clinics.shift_end_hour": 24.0,
            "clinics.eservice_share_of_shift": 1.0,
            "clinics.allow_overrun": True,
            "clinics.dialogue_continue_share": 0.0,
            "clinics.handling_time": {kind: exponential for kind in (*CASE_KINDS, "reply")},
            "outreach.appointment_notices_per_person_per_year": 0.0,
            "outreach.questions_per_person_per_year": 0.0,
            "campaigns": [],
        }
    )


def etj_sim_run(load: float, servers: int, days: int, seed: int) -> dict[str, float]:
    result = simulate(queue_scenario(load, servers, days), seed)
    events = result.events
    cases = events.filter(events["event"] == "case_started").height
    answered = events.filter(events["event"] == "case_answered").height
    run_seconds = result.timings["run"]
    return {
        "cases": cases,
        "answered": answered,
        "events": events.height,
        "run_seconds": run_seconds,
        "wall_seconds": sum(result.timings.values()),
        "cases_per_second": cases / run_seconds,
    }


def ciw_run(load: float, servers: int, days: int, seed: int) -> dict[str, float]:
    import ciw  # type: ignore[import-untyped]

    arrivals_per_minute = load * servers / HANDLING_MINUTES
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=arrivals_per_minute)],
        service_distributions=[ciw.dists.Exponential(rate=1.0 / HANDLING_MINUTES)],
        number_of_servers=[servers],
    )
    ciw.seed(seed)
    started = time.perf_counter()
    simulation = ciw.Simulation(network)
    simulation.simulate_until_max_time(days * MINUTES_PER_DAY)
    seconds = time.perf_counter() - started
    served = len(simulation.get_all_records())
    return {"customers": served, "run_seconds": seconds, "customers_per_second": served / seconds}


def simpy_run(load: float, servers: int, days: int, seed: int) -> dict[str, float]:
    arrivals_per_minute = load * servers / HANDLING_MINUTES
    draws = random.Random(seed)
    env = simpy.Environment()
    nurses = simpy.Resource(env, capacity=servers)
    served = 0

    def customer() -> Generator[Any, Any, None]:
        nonlocal served
        with nurses.request() as request:
            yield request
            yield env.timeout(draws.expovariate(1.0 / HANDLING_MINUTES))
        served += 1

    def arrivals() -> Generator[Any, Any, None]:
        while True:
            yield env.timeout(draws.expovariate(arrivals_per_minute))
            env.process(customer())

    env.process(arrivals())
    started = time.perf_counter()
    env.run(until=days * MINUTES_PER_DAY)
    seconds = time.perf_counter() - started
    return {"customers": served, "run_seconds": seconds, "customers_per_second": served / seconds}


@dataclass(frozen=True)
class Round:
    """One turn of the three: each one's figures (``etj_sim_run``, ``ciw_run``, ``simpy_run``)."""

    etj_sim: dict[str, float]
    ciw: dict[str, float]
    simpy: dict[str, float]

    @property
    def over_ciw(self) -> float:
        return self.etj_sim["cases_per_second"] / self.ciw["customers_per_second"]

    @property
    def over_simpy(self) -> float:
        return self.etj_sim["cases_per_second"] / self.simpy["customers_per_second"]

    def as_json(self) -> dict[str, object]:
        return {
            "etj_sim": self.etj_sim,
            "ciw": self.ciw,
            "simpy": self.simpy,
            "etj_sim_over_ciw": self.over_ciw,
            "etj_sim_over_simpy": self.over_simpy,
        }


def _median_figures(rounds: list[dict[str, float]]) -> dict[str, float]:
    """Per figure, the median over the rounds; counts are the first round's (the same seed
    gives the same run in every round)."""
    return {
        key: value if isinstance(value, int) else statistics.median(r[key] for r in rounds)
        for key, value in rounds[0].items()
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--load", type=float, default=0.8, help="utilisation rho (default 0.8)")
    parser.add_argument("--servers", type=int, default=2, help="c nurses (default 2)")
    parser.add_argument("--days", type=int, default=120, help="simulated days (default 120)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--rounds", type=int, default=3, help="the three in turn this many times (default 3)"
    )
    arguments = parser.parse_args(argv)
    if arguments.rounds < 1:
        parser.error(f"--rounds must be at least 1, got {arguments.rounds}")
    load, servers, days, seed = arguments.load, arguments.servers, arguments.days, arguments.seed
    print(
        f"M/M/{servers} at rho {load}, {days} days, seed {seed} (etj_sim {etj_sim.__version__}, "
        f"{benchmarks.build()} build)"
    )
    rounds: list[Round] = []
    for number in range(1, arguments.rounds + 1):
        turn = Round(
            etj_sim=etj_sim_run(load, servers, days, seed),
            ciw=ciw_run(load, servers, days, seed),
            simpy=simpy_run(load, servers, days, seed),
        )
        rounds.append(turn)
        print(
            f"round {number}: etj_sim {turn.etj_sim['cases_per_second']:,.0f} cases/s "
            f"({turn.etj_sim['cases']:,} cases, {turn.etj_sim['events']:,} events, SimPy run "
            f"{turn.etj_sim['run_seconds']:.2f} s), Ciw {turn.ciw['customers_per_second']:,.0f} "
            f"customers/s, plain SimPy {turn.simpy['customers_per_second']:,.0f} customers/s"
        )
    ratio_ciw = statistics.median(turn.over_ciw for turn in rounds)
    ratio_simpy = statistics.median(turn.over_simpy for turn in rounds)
    ours = _median_figures([turn.etj_sim for turn in rounds])
    ciw_figures = _median_figures([turn.ciw for turn in rounds])
    simpy_figures = _median_figures([turn.simpy for turn in rounds])
    print(f"medians over {len(rounds)} round(s):")
    print(f"etj_sim      {ours['cases_per_second']:>10,.0f} cases/s")
    print(f"Ciw          {ciw_figures['customers_per_second']:>10,.0f} customers/s")
    print(f"plain SimPy  {simpy_figures['customers_per_second']:>10,.0f} customers/s")
    print(f"etj_sim / Ciw {ratio_ciw:.3f}, etj_sim / plain SimPy {ratio_simpy:.3f}")
    print(
        json.dumps(
            {
                "build": benchmarks.build(),
                "load": load,
                "servers": servers,
                "days": days,
                "etj_sim": ours,
                "ciw": ciw_figures,
                "simpy": simpy_figures,
                "etj_sim_over_ciw": ratio_ciw,
                "etj_sim_over_simpy": ratio_simpy,
                "rounds": [turn.as_json() for turn in rounds],
            }
        )
    )


if __name__ == "__main__":
    main()
