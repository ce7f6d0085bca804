"""The benchmark suite: every benchmark, one Markdown table of figures beside their targets.

Pipeline position: outside the pipeline; it runs the stage benchmarks of ``benchmarks/`` (domain
operations, population, simulation, peers, metrics and charts, experiments, dashboard), each in
its own process so that every peak RSS is that benchmark's own, reads the figures they print and
writes one table: measure | figure | target | met, headed by the date and the machine (cores,
memory). Targets are those of the issues (3: population, 4: simulation, 5: metrics, 7:
experiments, 20: sharded runs and peers).

Run: ``.venv/bin/python -m benchmarks [--quick] [--out FILE]`` (or ``make bench``). The full
suite takes long (a year of region-stockholm, 10.6 million people) and wants an otherwise idle
machine; ``--quick`` runs small sizes only, as a smoke check that every benchmark still runs and
its figures are still read (minutes; the targets do not apply and are shown as "n/a").
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from benchmarks import installed_command

ROOT = Path(__file__).resolve().parent.parent
QUICK_MET = "n/a (quick)"


@dataclass(frozen=True)
class Figure:
    """One row of the table."""

    measure: str
    value: str
    target: str = "none (reported)"
    met: str = ""


@dataclass(frozen=True)
class Limit:
    """A target: a value at most (``at_most``) or at least ``bound``."""

    bound: float
    at_most: bool
    text: str

    def judge(self, value: float | None, *, quick: bool) -> str:
        if quick:
            return QUICK_MET
        if value is None:
            return "no figure"
        return "yes" if (value <= self.bound if self.at_most else value >= self.bound) else "NO"


Reader = Callable[[str, bool], list[Figure]]
"""(what the benchmark printed, quick) -> its figures."""


COMPILED_PYTHON = ROOT / ".venv-compiled" / "bin" / "python"
"""The interpreter of the compiled build (``make compiled``, setup.py)."""


@dataclass(frozen=True)
class Step:
    """One benchmark process and how to read its figures."""

    title: str
    module: str
    arguments: Sequence[str]
    read: Reader
    compiled: bool = False
    """Run in the compiled build (``.venv-compiled``) instead of this interpreter."""


def find_number(pattern: str, text: str) -> float | None:
    """The number captured by ``pattern`` in ``text`` (thousands separators and % allowed)."""
    match = re.search(pattern, text, flags=re.MULTILINE)
    if match is None:
        return None
    return float(match.group(1).replace(",", ""))


def show(value: float | None, unit: str, digits: int = 2) -> str:
    return "not printed" if value is None else f"{value:,.{digits}f} {unit}".rstrip()


def figure(
    measure: str, value: float | None, unit: str, limit: Limit | None, quick: bool, digits: int = 2
) -> Figure:
    if limit is None:
        return Figure(measure, show(value, unit, digits))
    return Figure(measure, show(value, unit, digits), limit.text, limit.judge(value, quick=quick))


def tagged_by_build(figures: list[Figure], values: dict[str, Any]) -> list[Figure]:
    """Figures of a benchmark that ran in the compiled build (its JSON's ``"build"``) say so."""
    if values.get("build") != "compiled":
        return figures
    return [replace(each, measure=f"{each.measure} [compiled]") for each in figures]


def read_domain_operations(output: str, quick: bool) -> list[Figure]:
    """``benchmarks.domain_ops``: operations per second (no target: reported)."""
    rows = re.findall(r"^(\S.*?)\s+[\d,]+ ops in .*?=\s+([\d,]+) ops/s", output, re.MULTILINE)
    figures = [
        Figure(f"domain: {label.strip()}", f"{float(rate.replace(',', '')):,.0f} ops/s")
        for label, rate in rows
    ]
    peak = find_number(r"^peak RSS: ([\d,.]+) MB", output)
    return [*figures, figure("domain: peak RSS", peak, "MB", None, quick, 0)]


def read_population(
    label: str, seconds: Limit | None, megabytes: Limit | None, output: str, quick: bool
) -> list[Figure]:
    """``benchmarks.population``: wall time, persons per second, peak RSS (issue 3)."""
    wall = find_number(r"^seconds:\s+([\d,.]+)", output)
    completes = Figure(
        f"population {label}: completes",
        "yes" if wall is not None else "no",
        "completes",
        QUICK_MET if quick else ("yes" if wall is not None else "NO"),
    )
    return [
        completes,
        figure(f"population {label}: wall time", wall, "s", seconds, quick),
        figure(
            f"population {label}: persons per second",
            find_number(r"^persons/second:\s+([\d,.]+)", output),
            "persons/s",
            None,
            quick,
            0,
        ),
        figure(
            f"population {label}: peak RSS",
            find_number(r"^peak RSS MB:\s+([\d,.]+)", output),
            "MB",
            megabytes,
            quick,
            0,
        ),
    ]


def read_simulation(
    label: str, seconds: Limit, megabytes: Limit | None, output: str, quick: bool
) -> list[Figure]:
    """``benchmarks.simulate --json``: wall time, peak RSS, events/s vs bare SimPy (issue 4)."""
    lines = [line for line in output.splitlines() if line.startswith("{")]
    values: dict[str, Any] = json.loads(lines[-1]) if lines else {}
    ratio = Limit(0.15, at_most=False, text=">= 0.15 x bare SimPy")
    if values.get("build") == "compiled":
        label = f"{label} [compiled]"
    size = (
        f" ({values['persons']:,.0f} people, {values['days']:.0f} days)"
        if "persons" in values
        else ""
    )
    return [
        figure(
            f"simulate {label}{size}: wall time", values.get("wall_seconds"), "s", seconds, quick
        ),
        figure(
            f"simulate {label}: peak RSS",
            values.get("peak_rss_megabytes"),
            "MB",
            megabytes,
            quick,
            0,
        ),
        figure(
            f"simulate {label}: model events per second",
            values.get("model_events_per_second"),
            "events/s",
            None,
            quick,
            0,
        ),
        figure(
            f"simulate {label}: bare SimPy timeouts per second",
            values.get("bare_simpy_timeouts_per_second"),
            "timeouts/s",
            None,
            quick,
            0,
        ),
        figure(
            f"simulate {label}: model / bare SimPy",
            values.get("ratio_to_bare_simpy"),
            "",
            ratio,
            quick,
            3,
        ),
    ]


def read_metrics(output: str, quick: bool) -> list[Figure]:
    """``benchmarks.metrics``: all metrics and charts on a region-sized log (issue 5)."""
    wall = find_number(r"^all metrics and charts: ([\d,.]+) s wall", output)
    rows = find_number(r"^synthetic log: ([\d,]+) rows", output)
    size = f" ({rows:,.0f} rows)" if rows is not None else ""
    limit = Limit(15.0, at_most=True, text="<= 15 s")
    return [figure(f"metrics and charts{size}: wall time", wall, "s", limit, quick)]


def read_experiments(output: str, quick: bool) -> list[Figure]:
    """``benchmarks.experiments``: parallel efficiency and Dask overhead (issue 7)."""
    efficiency = find_number(r"^parallel efficiency \(2 workers\):\s+([\d.]+)", output)
    overhead = find_number(r"^Dask overhead over local pool:\s+([+-]?[\d.]+)%", output)
    return [
        figure(
            "experiments: parallel efficiency (2 workers)",
            efficiency,
            "",
            Limit(0.9, at_most=False, text=">= 0.9"),
            quick,
            3,
        ),
        figure(
            "experiments: Dask overhead over the local pool",
            overhead,
            "%",
            Limit(10.0, at_most=True, text="<= 10%"),
            quick,
            1,
        ),
    ]


def read_app(output: str, quick: bool) -> list[Figure]:
    """``benchmarks.app``: a lever moved in the browser until the page is redrawn (issue 17)."""
    lines = [line for line in output.splitlines() if line.startswith("{")]
    values: dict[str, Any] = json.loads(lines[-1]) if lines else {}
    figures = [
        figure(
            "dashboard: lever change to redrawn page, town (median)",
            values.get("lever_change_median_seconds"),
            "s",
            Limit(1.5, at_most=True, text="<= 1.5 s"),
            quick,
        ),
        figure(
            "dashboard: simulate, measure and draw the town in process (median)",
            values.get("in_process_run_median_seconds"),
            "s",
            None,
            quick,
        ),
        figure(
            "dashboard: lever change to redrawn page, town (max)",
            values.get("lever_change_max_seconds"),
            "s",
            None,
            quick,
        ),
        figure(
            "dashboard: language switch while replications run (max)",
            values.get("language_switch_max_seconds"),
            "s",
            None,
            quick,
            3,
        ),
    ]
    return tagged_by_build(figures, values)


def read_peers(output: str, quick: bool) -> list[Figure]:
    """``benchmarks.peers``: the M/M/c workload in etj_sim, Ciw and plain SimPy (issue 20)."""
    lines = [line for line in output.splitlines() if line.startswith("{")]
    values: dict[str, Any] = json.loads(lines[-1]) if lines else {}
    rounds = values.get("rounds", [])
    ratios = [each["etj_sim_over_ciw"] for each in rounds]
    spread = f" (rounds {min(ratios):.3f}-{max(ratios):.3f})" if len(ratios) > 1 else ""
    ratio = values.get("etj_sim_over_ciw")
    figures = [
        figure(
            "peers: etj_sim cases per second",
            values.get("etj_sim", {}).get("cases_per_second"),
            "cases/s",
            None,
            quick,
            0,
        ),
        figure(
            "peers: Ciw customers per second",
            values.get("ciw", {}).get("customers_per_second"),
            "customers/s",
            None,
            quick,
            0,
        ),
        figure(
            "peers: plain SimPy customers per second",
            values.get("simpy", {}).get("customers_per_second"),
            "customers/s",
            None,
            quick,
            0,
        ),
        Figure(
            "peers: etj_sim / Ciw (median of the rounds)",
            show(ratio, "", 3) + spread,
            ">= 1 (issue 20)",
            Limit(1.0, at_most=False, text=">= 1").judge(ratio, quick=quick),
        ),
    ]
    return tagged_by_build(figures, values)


def read_shards(output: str, quick: bool) -> list[Figure]:
    """``benchmarks.shards``: a sharded run against the unsharded one, same process (issue 20)."""
    lines = [line for line in output.splitlines() if line.startswith("{")]
    values: dict[str, Any] = json.loads(lines[-1]) if lines else {}
    shards = values.get("shards", "?")
    workers = values.get("workers", "?")
    peaks = [each["peak_rss_megabytes"] for each in values.get("shard_runs", [])]
    efficiency = values.get("parallel_efficiency")
    figures = [
        figure(
            f"sharded run, {shards} shards on {workers} workers: wall",
            values.get("sharded_wall_seconds"),
            "s",
            Limit(60.0, at_most=True, text="<= 60 s"),
            quick,
            1,
        ),
        figure(
            "sharded run: the same run unsharded, wall",
            values.get("unsharded_wall_seconds"),
            "s",
            None,
            quick,
            1,
        ),
        figure(
            "sharded run: parallel efficiency",
            None if efficiency is None or math.isnan(efficiency) else efficiency,
            "",
            Limit(0.9, at_most=False, text=">= 0.9"),
            quick,
            3,
        ),
        figure(
            "sharded run: peak RSS of the largest shard's process",
            max(peaks) if peaks else None,
            "MB",
            Limit(2048.0, at_most=True, text="<= 2 GB"),
            quick,
            0,
        ),
    ]
    return tagged_by_build(figures, values)


def compiled_simulation_steps(
    runs: Sequence[tuple[str, Limit, Limit | None, list[str]]],
) -> list[Step]:
    """The simulation benchmarks again in the compiled build (issue 4's events-per-second
    target), when ``make compiled`` has built it."""
    return [
        Step(
            f"simulate {scenario} [compiled]",
            "benchmarks.simulate",
            ["--scenario", scenario, *arguments, "--json"],
            partial(read_simulation, scenario, seconds, megabytes),
            compiled=True,
        )
        for scenario, seconds, megabytes, arguments in runs
    ]


def full_steps() -> list[Step]:
    """The benchmarks at the sizes their targets are set for."""
    return [
        Step("domain operations", "benchmarks.domain_ops", [], read_domain_operations),
        Step(
            "population 2.4M",
            "benchmarks.population",
            ["--size", "2400000", "--profile", "stockholm_county"],
            partial(
                read_population,
                "2.4M",
                Limit(10.0, at_most=True, text="<= 10 s"),
                Limit(1536.0, at_most=True, text="<= 1.5 GB"),
            ),
        ),
        Step(
            "population 10.6M",
            "benchmarks.population",
            ["--size", "10600000", "--profile", "sweden"],
            partial(read_population, "10.6M", None, None),
        ),
        Step(
            "simulate baseline",
            "benchmarks.simulate",
            ["--scenario", "baseline", "--json"],
            partial(read_simulation, "baseline", Limit(5.0, at_most=True, text="<= 5 s"), None),
        ),
        Step(
            "simulate region-stockholm",
            "benchmarks.simulate",
            ["--scenario", "region-stockholm", "--json"],
            partial(
                read_simulation,
                "region-stockholm",
                Limit(300.0, at_most=True, text="<= 300 s"),
                Limit(4096.0, at_most=True, text="<= 4 GB"),
            ),
        ),
        *compiled_simulation_steps(
            [
                ("baseline", Limit(5.0, at_most=True, text="<= 5 s"), None, []),
                (
                    "region-stockholm",
                    Limit(300.0, at_most=True, text="<= 300 s"),
                    Limit(4096.0, at_most=True, text="<= 4 GB"),
                    [],
                ),
            ]
        ),
        Step(
            "sharded region-stockholm year [compiled]",
            "benchmarks.shards",
            ["--scenario", "region-stockholm", "--shards", "2", "--workers", "2"],
            read_shards,
            compiled=True,
        ),
        Step("peers (M/M/2, rho 0.8, 120 days)", "benchmarks.peers", [], read_peers),
        Step("peers [compiled]", "benchmarks.peers", [], read_peers, compiled=True),
        Step("metrics and charts", "benchmarks.metrics", [], read_metrics),
        Step("experiments", "benchmarks.experiments", [], read_experiments),
        Step("dashboard", "benchmarks.app", [], read_app),
        Step("dashboard [compiled]", "benchmarks.app", [], read_app, compiled=True),
    ]


def quick_steps() -> list[Step]:
    """Small sizes of the same benchmarks: a smoke check that they run and are read."""
    return [
        Step(
            "domain operations",
            "benchmarks.domain_ops",
            ["--persons", "50000", "--operations", "10000"],
            read_domain_operations,
        ),
        Step(
            "population 100k",
            "benchmarks.population",
            ["--size", "100000"],
            partial(read_population, "100k", None, None),
        ),
        Step(
            "simulate baseline (10k, 30 days)",
            "benchmarks.simulate",
            ["--scenario", "baseline", "--size", "10000", "--days", "30", "--json"],
            partial(read_simulation, "baseline", Limit(5.0, at_most=True, text="<= 5 s"), None),
        ),
        Step(
            "simulate region-stockholm (20k, 30 days)",
            "benchmarks.simulate",
            [
                *("--scenario", "region-stockholm", "--size", "20000", "--days", "30"),
                *("--clinics", "2", "--json"),
            ],
            partial(
                read_simulation,
                "region-stockholm",
                Limit(300.0, at_most=True, text="<= 300 s"),
                Limit(4096.0, at_most=True, text="<= 4 GB"),
            ),
        ),
        *compiled_simulation_steps(
            [
                (
                    "baseline",
                    Limit(5.0, at_most=True, text="<= 5 s"),
                    None,
                    ["--size", "10000", "--days", "30"],
                )
            ]
        ),
        Step(
            "sharded region-stockholm (60k, 20 days, 2 shards) [compiled]",
            "benchmarks.shards",
            [
                *("--scenario", "region-stockholm", "--size", "60000", "--days", "20"),
                *("--shards", "2", "--workers", "2"),
            ],
            read_shards,
            compiled=True,
        ),
        Step(
            "peers (M/M/2, rho 0.8, 10 days, 1 round)",
            "benchmarks.peers",
            ["--days", "10", "--rounds", "1"],
            read_peers,
        ),
        Step(
            "peers [compiled]",
            "benchmarks.peers",
            ["--days", "10", "--rounds", "1"],
            read_peers,
            compiled=True,
        ),
        Step(
            "metrics and charts (20k persons, 30 days)",
            "benchmarks.metrics",
            ["--persons", "20000", "--days", "30"],
            read_metrics,
        ),
        Step(
            "experiments (4 runs of 3,000 people, 20 days)",
            "benchmarks.experiments",
            [
                *("--replications", "4", "--repeat", "1"),
                *("--set", "population.size=3000", "--set", "duration_days=20"),
                *("--set", "campaigns=[]"),
            ],
            read_experiments,
        ),
        Step(
            "dashboard (2 lever changes, 2 replications)",
            "benchmarks.app",
            ["--changes", "2", "--replications", "2"],
            read_app,
        ),
    ]


def run_step(step: Step, quick: bool) -> tuple[list[Figure], float]:
    """Run one benchmark in its own process; its output goes to stderr as it comes."""
    if step.compiled and not COMPILED_PYTHON.exists():
        return [Figure(step.title, "not built (run `make compiled`)", "", "no figure")], 0.0
    command = (
        installed_command(str(COMPILED_PYTHON), step.module)
        if step.compiled
        else [sys.executable, "-m", step.module]
    )
    command += step.arguments
    print(f"\n== {step.title}: {' '.join(command[1:])}", file=sys.stderr, flush=True)
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    sys.stderr.write(completed.stdout)
    if completed.returncode != 0:
        sys.stderr.write(completed.stderr[-4000:])
        return [Figure(step.title, f"failed (exit code {completed.returncode})", "", "NO")], seconds
    return step.read(completed.stdout, quick), seconds


def memory_gigabytes() -> float | None:
    """Total memory of the machine, from /proc/meminfo (Linux only)."""
    try:
        text = Path("/proc/meminfo").read_text()
    except OSError:
        return None
    kilobytes = find_number(r"^MemTotal:\s+(\d+) kB", text)
    return None if kilobytes is None else kilobytes / 2**20


def table(figures: Sequence[Figure], *, quick: bool, seconds: float) -> str:
    memory = memory_gigabytes()
    machine = (
        f"{os.cpu_count()} cores, "
        f"{'unknown' if memory is None else f'{memory:.1f} GB'} memory, "
        f"{platform.system()} {platform.machine()}, Python {platform.python_version()}"
    )
    lines = [
        f"Benchmarks ({'quick: small sizes, targets do not apply' if quick else 'full'}), "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; machine: {machine}; "
        f"suite wall time {seconds:,.0f} s.",
        "",
        "| measure | figure | target | met |",
        "|---|---|---|---|",
        *(f"| {f.measure} | {f.value} | {f.target} | {f.met} |" for f in figures),
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only (smoke check)")
    parser.add_argument("--out", type=Path, help="also write the Markdown table to this file")
    arguments = parser.parse_args(argv)
    started = time.perf_counter()
    figures: list[Figure] = []
    for step in quick_steps() if arguments.quick else full_steps():
        step_figures, _ = run_step(step, arguments.quick)
        figures.extend(step_figures)
    markdown = table(figures, quick=arguments.quick, seconds=time.perf_counter() - started)
    print(markdown)
    if arguments.out is not None:
        arguments.out.parent.mkdir(parents=True, exist_ok=True)
        arguments.out.write_text(markdown)
    return 1 if any(f.met.startswith("NO") for f in figures) else 0


if __name__ == "__main__":
    sys.exit(main())
