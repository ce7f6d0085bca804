"""What the planner's dashboard does, without the page: levers, sizes, uploads, runs, downloads.

Pipeline position: the app layer, last in the pipeline
(scenario -> population -> domain -> simulation -> event log -> metrics -> charts/report/app).
The page (:mod:`etj_sim.app.dashboard`) only shows what this module computes, so everything a
planner can do on the page can be done, and is tested, here without a browser:

- :class:`Levers`: the values a planner moves, read from a scenario (the baseline marks) and
  turned back into dotted overrides (``Scenario.with_overrides`` validates them);
- :data:`SIZE_PRESETS`: town, municipality and region sample (or the scenario's own size);
- :func:`read_upload`: an uploaded file, size-limited, parsed only as TOML into a scenario or
  into every problem found (no path is ever opened: the page hands over bytes);
- :func:`run_once`: simulate, measure and draw one run (charts as SVG by vl-convert, so the page
  loads no JavaScript charting library from anywhere);
- :class:`ReplicationRunner`: replications with common random numbers of the reference and the
  variant in a separate process, refining the paired differences as they finish, cancellable;
- :func:`report_html`, :func:`tables_xlsx` and :func:`scenario_toml`: the downloads.
"""

from __future__ import annotations

import atexit
import contextlib
import multiprocessing
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Final, get_args

import polars as pl

from etj_sim.i18n import Language
from etj_sim.scenario import (
    STAFF_ROLES,
    Scenario,
    ScenarioError,
    ScenarioProblem,
    scenario_to_toml,
)
from etj_sim.scenario.sections import NoticeGroup

if TYPE_CHECKING:
    from etj_sim.metrics import RunFrames
    from etj_sim.population import Population
    from etj_sim.scenario.sections import NoticesSection
    from etj_sim.simulation import SimulationResult

__all__ = [
    "CAMPAIGN_AGE_GROUPS",
    "DEFAULT_REPLICATIONS",
    "HEADLINE_METRICS",
    "MAX_UPLOAD_BYTES",
    "NOTICE_POLICIES",
    "PAPER_COMPLEMENT_GROUPS",
    "SIZE_PRESETS",
    "Levers",
    "ReplicationJob",
    "ReplicationRunner",
    "ReplicationSnapshot",
    "RunOutcome",
    "SizePreset",
    "Upload",
    "apply_levers",
    "comparison_frame",
    "notice_policy_of",
    "read_upload",
    "report_html",
    "run_once",
    "scenario_toml",
    "shipped_catalogue",
    "tables_xlsx",
    "warm_up",
]

MAX_UPLOAD_BYTES: Final = 256 * 1024
"""Largest scenario file the page accepts (the shipped ones are under 4 KB)."""

DEFAULT_REPLICATIONS: Final = 10
"""Replications of the reference and of the variant behind the intervals of the change."""

HEADLINE_METRICS: Final = (
    "alert_opt_in_share",
    "read_share_7d",
    "median_hours_to_read",
    "digital_notice_share",
    "paper_letters",
    "no_show_share",
    "median_response_hours",
    "answered_within_48h_share",
    "staff_utilisation",
    "mean_open_cases_last_week",
    "messages_sent",
)
"""The summary columns shown as cards and compared against the reference, in order."""

CHARTS_SHOWN: Final = ("read_curve", "message_funnel", "backlog", "utilisation_heatmap")
"""The run charts drawn on the page (the report has them all)."""


# -- sizes --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SizePreset:
    """A population size, clinic count and run length; ``None`` keeps the scenario's own."""

    people: int | None
    clinics: int | None
    days: int | None
    profile: str | None = None

    def overrides(self) -> dict[str, object]:
        values: dict[str, object] = {}
        if self.people is not None:
            values["population.size"] = self.people
        if self.clinics is not None:
            values["clinics.count"] = self.clinics
        if self.days is not None:
            values["duration_days"] = self.days
        if self.profile is not None:
            values["population.profile"] = self.profile
        return values


SIZE_PRESETS: Final[dict[str, SizePreset]] = {
    # About one clinic per 10,000 residents, as the shipped scenarios.
    "town": SizePreset(people=20_000, clinics=2, days=60),
    "municipality": SizePreset(people=50_000, clinics=5, days=90),
    # A sample of Region Stockholm: its age profile, a tenth of a year of a tenth of its size
    # would still take minutes, so 200,000 people for 90 days (a run of some seconds).
    "region_sample": SizePreset(people=200_000, clinics=20, days=90, profile="stockholm_county"),
    "scenario": SizePreset(people=None, clinics=None, days=None),
}
"""The size presets of the page; ``scenario`` runs the scenario file's own size."""


# -- levers -------------------------------------------------------------------------------------

CAMPAIGN_AGE_GROUPS: Final[dict[str, tuple[int, int]]] = {
    "all": (0, 130),
    "0-12": (0, 12),
    "13-17": (13, 17),
    "18-64": (18, 64),
    "65+": (65, 130),
    "80+": (80, 130),
}
"""Age groups a campaign can address: (min_age, max_age), inclusive."""

DEFAULT_CAMPAIGN: Final[dict[str, object]] = {
    "name": "Kampanj från planeringsvyn",
    "template": "Information från din vårdcentral",
}


NOTICE_POLICIES: Final = ("digital", "fallback", "complement", "paper_only")
"""The notice-policy lever's choices, each a combination of the scenario's ``notices`` keys:

- ``digital``: digital notices only (``policy = "digital"``, no fallback, no complement);
- ``fallback``: digital, and a letter for a notice still unread after ``fallback_after_hours``
  (Karolinska's rule: 48 hours);
- ``complement``: digital, and a letter beside it for Region Jönköping's groups
  (:data:`PAPER_COMPLEMENT_GROUPS`);
- ``paper_only``: every notice by post.

A scenario combining them otherwise (a fallback and a complement, or some of the groups) reads as
``custom``: the lever then shows the scenario's own policy as its baseline and changes nothing
until moved. The share of notices that can go digitally is its own lever."""

PAPER_COMPLEMENT_GROUPS: Final[tuple[str, ...]] = get_args(NoticeGroup)
"""Region Jönköping's groups for a paper complement: every group the scenario knows (as in
``scenarios/notice-paper-complement``)."""

DEFAULT_FALLBACK_HOURS: Final = 48.0
"""The fallback window the lever starts from when the scenario has none (Karolinska's rule)."""


def notice_policy_of(notices: NoticesSection) -> str:
    """The notice-policy lever's name for a scenario's ``notices`` section (or ``custom``)."""
    if notices.policy == "paper_only":
        return "paper_only"
    fallback = notices.fallback_after_hours > 0
    groups = set(notices.paper_complement_groups)
    if not fallback and not groups:
        return "digital"
    if fallback and not groups:
        return "fallback"
    if not fallback and groups == set(PAPER_COMPLEMENT_GROUPS):
        return "complement"
    return "custom"


@dataclass(frozen=True, slots=True)
class Levers:
    """The values a planner moves on the page; :meth:`of` reads them off a scenario.

    ``staff`` is staff per clinic on e-service duty by role, in the order of ``STAFF_ROLES``.
    The campaign lever is the scenario's first campaign (on, its day and age group) or a new one.
    """

    alert_opt_in_share: float
    opt_in_nudge_share: float
    staff: tuple[int, ...]
    digital_notice_share: float
    campaign_on: bool
    campaign_day: int
    campaign_age_group: str
    notice_policy: str = "digital"
    fallback_after_hours: float = DEFAULT_FALLBACK_HOURS

    @classmethod
    def of(cls, scenario: Scenario) -> Levers:
        """The scenario's own values: the baseline marks on the page."""
        first = scenario.campaigns[0] if scenario.campaigns else None
        age_group = "65+"
        day = min(7, scenario.duration_days - 1)
        if first is not None:
            day = first.day
            age_group = next(
                (
                    group
                    for group, ages in CAMPAIGN_AGE_GROUPS.items()
                    if ages == (first.min_age, first.max_age)
                ),
                f"{first.min_age}-{first.max_age}",
            )
        return cls(
            alert_opt_in_share=scenario.alerts.opt_in_share,
            opt_in_nudge_share=scenario.behaviour.opt_in_nudge_share,
            staff=tuple(scenario.clinics.staff_per_clinic[role] for role in STAFF_ROLES),
            digital_notice_share=scenario.outreach.digital_notice_share,
            campaign_on=first is not None,
            campaign_day=day,
            campaign_age_group=age_group,
            notice_policy=notice_policy_of(scenario.notices),
            fallback_after_hours=scenario.notices.fallback_after_hours or DEFAULT_FALLBACK_HOURS,
        )

    def with_staff(self, role: str, count: int) -> Levers:
        """A copy with ``count`` staff of ``role`` per clinic."""
        staff = list(self.staff)
        staff[STAFF_ROLES.index(role)] = count
        return replace(self, staff=tuple(staff))

    def overrides(self, scenario: Scenario) -> dict[str, object]:
        """Dotted overrides that give ``scenario`` these values (only those that differ)."""
        own = Levers.of(scenario)
        values: dict[str, object] = {}
        if self.alert_opt_in_share != own.alert_opt_in_share:
            values["alerts.opt_in_share"] = self.alert_opt_in_share
        if self.opt_in_nudge_share != own.opt_in_nudge_share:
            values["behaviour.opt_in_nudge_share"] = self.opt_in_nudge_share
        for role, count, own_count in zip(STAFF_ROLES, self.staff, own.staff, strict=True):
            if count != own_count:
                values[f"clinics.staff_per_clinic.{role}"] = count
        if self.digital_notice_share != own.digital_notice_share:
            values["outreach.digital_notice_share"] = self.digital_notice_share
        campaign_changed = (self.campaign_on, self.campaign_day, self.campaign_age_group) != (
            own.campaign_on,
            own.campaign_day,
            own.campaign_age_group,
        )
        if campaign_changed and (self.campaign_on or own.campaign_on):
            values["campaigns"] = self._campaigns(scenario)
        values.update(self._notice_overrides(own))
        return values

    def _notice_overrides(self, own: Levers) -> dict[str, object]:
        policy = self.notice_policy
        if policy not in (*NOTICE_POLICIES, "custom"):
            raise ValueError(
                f"notice policy {policy!r}: expected one of {', '.join(NOTICE_POLICIES)}"
            )
        unchanged = policy == own.notice_policy and (
            policy != "fallback" or self.fallback_after_hours == own.fallback_after_hours
        )
        if unchanged or policy == "custom":
            return {}  # "custom" is only ever the scenario's own combination
        return {
            "notices.policy": "paper_only" if policy == "paper_only" else "digital",
            "notices.fallback_after_hours": (
                self.fallback_after_hours if policy == "fallback" else 0.0
            ),
            "notices.paper_complement_groups": (
                list(PAPER_COMPLEMENT_GROUPS) if policy == "complement" else []
            ),
        }

    def _campaigns(self, scenario: Scenario) -> list[dict[str, object]]:
        # The lever stands for the first campaign; any further campaigns of the file stay.
        rest = [campaign.model_dump() for campaign in scenario.campaigns[1:]]
        if not self.campaign_on:
            return rest
        first: dict[str, object] = (
            scenario.campaigns[0].model_dump() if scenario.campaigns else dict(DEFAULT_CAMPAIGN)
        )
        if self.campaign_age_group in CAMPAIGN_AGE_GROUPS:
            first["min_age"], first["max_age"] = CAMPAIGN_AGE_GROUPS[self.campaign_age_group]
        first["day"] = self.campaign_day
        return [first, *rest]


def sized(scenario: Scenario, preset: str) -> Scenario:
    """``scenario`` at the size of ``preset`` (a key of :data:`SIZE_PRESETS`).

    A campaign day past the shorter run moves to the run's last day, so a preset never turns a
    valid scenario into an invalid one.
    """
    size = SIZE_PRESETS[preset]
    overrides = size.overrides()
    days = size.days
    if days is not None and any(campaign.day >= days for campaign in scenario.campaigns):
        overrides["campaigns"] = [
            campaign.model_dump() | {"day": min(campaign.day, days - 1)}
            for campaign in scenario.campaigns
        ]
    if not overrides:
        return scenario
    return scenario.with_overrides(overrides, source=f"size preset {preset!r}")


def apply_levers(reference: Scenario, levers: Levers) -> Scenario:
    """The variant: ``reference`` (already sized) with the levers' values, validated again.

    Its name and description say what was set, so a downloaded file or report tells where it
    came from. Raises :class:`ScenarioError` for values the scenario refuses.
    """
    overrides = levers.overrides(reference)
    if not overrides:
        return reference
    changed = ", ".join(f"{key} = {_describe(value)}" for key, value in overrides.items())
    variant = reference.with_overrides(overrides, source="the dashboard's levers")
    description = f"{reference.description.strip()}\n\nSet in the dashboard: {changed}."
    return variant.model_copy(
        update={"name": f"{reference.name}-dashboard", "description": description.strip()}
    )


def _describe(value: object) -> str:
    if isinstance(value, list):
        parts = [
            f"day {item['day']}, ages {item['min_age']}-{item['max_age']}"
            for item in value
            if isinstance(item, Mapping)
        ]
        return "[" + "; ".join(parts) + "]" if parts else "none"
    return f"{value:g}" if isinstance(value, float) else str(value)


# -- scenarios in -------------------------------------------------------------------------------


def shipped_catalogue(folder: Path | None = None) -> dict[str, Scenario]:
    """The shipped scenarios by name, loaded once; the page offers only these names.

    A name picked on the page is looked up here, never turned into a path.
    """
    from etj_sim.shipped import SHIPPED_SCENARIOS_DIR, shipped_scenarios

    catalogue: dict[str, Scenario] = {}
    for path in shipped_scenarios(folder or SHIPPED_SCENARIOS_DIR):
        scenario = Scenario.load(path)
        catalogue[path.stem] = scenario
    return catalogue


@dataclass(frozen=True, slots=True)
class Upload:
    """An uploaded scenario file: the scenario, or every problem found (then nothing runs)."""

    name: str
    scenario: Scenario | None
    problems: tuple[ScenarioProblem, ...] = ()

    @property
    def ok(self) -> bool:
        return self.scenario is not None


def read_upload(name: str, size: int, read: Callable[[int], bytes]) -> Upload:
    """Read an uploaded file as a scenario: TOML only, at most :data:`MAX_UPLOAD_BYTES`.

    ``size`` is the size the browser announced and ``read(n)`` reads at most ``n`` bytes of the
    content: a file over the limit is refused before its content is read, and a browser that
    sends more than it announced is refused too. The name only labels messages; it is never a
    path. TOML is the only format read (a ``.json`` file is refused: a run's ``scenario.json``
    is read by ``etj-sim run``, not uploaded).
    """
    label = Path(name).name or "upload"
    if not label.lower().endswith(".toml"):
        return Upload(label, None, (ScenarioProblem("", "upload a scenario file ending in .toml"),))
    if size > MAX_UPLOAD_BYTES:
        message = f"the file is {size:,} bytes; the limit is {MAX_UPLOAD_BYTES:,} bytes"
        return Upload(label, None, (ScenarioProblem("", message),))
    content = read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        message = f"the file is over the limit of {MAX_UPLOAD_BYTES:,} bytes"
        return Upload(label, None, (ScenarioProblem("", message),))
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as error:
        message = f"not UTF-8 text (bad byte at offset {error.start})"
        return Upload(label, None, (ScenarioProblem("", message),))
    try:
        scenario = Scenario.loads(text, source=label)
    except ScenarioError as error:
        return Upload(label, None, tuple(error.problems))
    return Upload(label, scenario)


# -- one run ------------------------------------------------------------------------------------


@dataclass(eq=False)
class RunOutcome:
    """One run as the page shows it: headline row, charts as SVG by language, seconds by stage."""

    scenario: Scenario
    seed: int
    headline: dict[str, object]
    seconds: dict[str, float]
    result: SimulationResult = field(repr=False)
    frames: RunFrames = field(repr=False)
    overrides: dict[str, object] = field(default_factory=dict)
    """The dotted values the levers set on top of the scenario (the report lists them)."""
    _charts: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def drawn(self, lang: Language) -> dict[str, str] | None:
        """The charts in ``lang`` if they are drawn already, else None."""
        with self._lock:
            return self._charts.get(lang)

    def charts(self, lang: Language, names: Sequence[str] = CHARTS_SHOWN) -> dict[str, str]:
        """The run's charts in ``lang`` as SVG text (drawn once a language, by vl-convert)."""
        with self._lock:
            drawn = self._charts.get(lang)
            if drawn is None:
                drawn = self._charts[lang] = _draw(self.frames, lang, names)
            return drawn


def _draw(frames: RunFrames, lang: Language, names: Sequence[str]) -> dict[str, str]:
    import vl_convert

    from etj_sim.charts import charts_of

    drawn = charts_of(frames, lang=lang, names=names)
    version = _vega_lite_version()
    return {
        name: vl_convert.vegalite_to_svg(drawn[name].to_dict(), vl_version=version)
        for name in names
    }


_POPULATIONS_KEPT: Final = 2
"""Populations kept for the next run: most lever changes (staff, notices, campaign) leave the
population's inputs alone, and synthesis is about a quarter of a town's run. Two: the
reference's and the one being changed; the largest preset, the region sample of 200,000 people,
is about 25 MB of frames (a 2.4 million population is 286 MB)."""
_populations: dict[tuple[str, int], Population] = {}
_populations_lock = threading.Lock()


def _population(scenario: Scenario, seed: int) -> Population:
    """The population of ``scenario`` and ``seed``, synthesized once and kept (least recent out).

    Equal :func:`~etj_sim.population.population_inputs` and seed give equal populations, and a
    run never changes the one it is given (frames are immutable), so a kept one is the same
    population ``simulate`` would make.
    """
    from etj_sim.population import population_inputs, synthesize_population

    key = (population_inputs(scenario), seed)
    with _populations_lock:
        kept = _populations.pop(key, None)
        if kept is None:
            kept = synthesize_population(scenario, seed)
        _populations[key] = kept
        while len(_populations) > _POPULATIONS_KEPT:
            del _populations[next(iter(_populations))]
        return kept


def run_once(
    scenario: Scenario,
    seed: int,
    *,
    lang: Language = "sv",
    overrides: Mapping[str, object] | None = None,
    on_stage: Callable[[str], None] | None = None,
) -> RunOutcome:
    """Simulate ``scenario`` with ``seed``, measure it and draw the page's charts in ``lang``.

    ``on_stage`` hears ``"simulating"``, ``"measuring"`` and ``"drawing"`` as each begins.
    """
    from etj_sim.metrics import MetricContext, prepare, summary_of
    from etj_sim.simulation import simulate_population

    notify = on_stage or (lambda stage: None)
    marks = [time.perf_counter()]
    notify("simulating")
    result = simulate_population(scenario, seed, _population(scenario, seed))
    marks.append(time.perf_counter())
    notify("measuring")
    frames = prepare(
        result.events, result.population, MetricContext.from_scenario(scenario), result.staff
    )
    headline = summary_of(frames).row(0, named=True)
    marks.append(time.perf_counter())
    notify("drawing")
    outcome = RunOutcome(scenario, seed, headline, {}, result, frames, dict(overrides or {}))
    outcome.charts(lang)
    marks.append(time.perf_counter())
    stages = ("simulate", "measure", "draw")
    outcome.seconds.update(
        {stage: marks[index + 1] - marks[index] for index, stage in enumerate(stages)}
    )
    return outcome


def warm_up() -> None:
    """Load the simulation and start the chart renderer once, before the first page asks.

    vl-convert's first drawing in a process takes about half a second longer than the next.
    """
    import vl_convert

    import etj_sim.charts
    import etj_sim.simulation  # noqa: F401  (imported for its import time only)

    spec = {"mark": "point", "data": {"values": [{"x": 1}]}, "encoding": {"x": {"field": "x"}}}
    vl_convert.vegalite_to_svg(spec, vl_version=_vega_lite_version())


def _vega_lite_version() -> str:
    import altair as alt

    major, minor = alt.SCHEMA_VERSION.lstrip("v").split(".")[:2]
    return f"{major}.{minor}"


# -- downloads ----------------------------------------------------------------------------------


def comparison_frame(
    snapshot: ReplicationSnapshot, reference_name: str, variant_name: str
) -> pl.DataFrame:
    """The change against the reference as the report's comparison chart wants it.

    (:data:`etj_sim.charts.COMPARISON_COLUMNS`: the reference first, at 0 with no interval.)
    """
    changes = snapshot.differences
    reference = pl.DataFrame(
        {
            "scenario": reference_name,
            "metric": changes["metric"],
            "difference": 0.0,
            "ci_low": None,
            "ci_high": None,
        },
        schema_overrides={"ci_low": pl.Float64, "ci_high": pl.Float64},
    )
    variant = changes.select(
        pl.lit(variant_name).alias("scenario"),
        "metric",
        pl.col("mean").alias("difference"),
        "ci_low",
        "ci_high",
    )
    return pl.concat([reference, variant])


def report_html(
    outcome: RunOutcome, lang: Language, snapshot: ReplicationSnapshot | None = None
) -> bytes:
    """The run's offline report page (``etj_sim.report``) in ``lang``, as bytes for a download.

    With ``snapshot`` (replications with at least two pairs) the report holds the change against
    the reference with its intervals. Written into a private temporary folder that is removed
    at once: nothing of the page's choosing names a file on the server.
    """
    from etj_sim.report import write_result_report

    comparison = None
    if snapshot is not None and snapshot.done >= 2:
        comparison = comparison_frame(snapshot, snapshot.reference_name, outcome.scenario.name)
    with tempfile.TemporaryDirectory(prefix="etj-sim-app-") as folder:
        path = write_result_report(
            outcome.result,
            folder,
            comparison=comparison,
            png=False,
            lang=lang,
            overrides=outcome.overrides,
        )
        return path.read_bytes()


def tables_xlsx(outcome: RunOutcome, lang: Language) -> bytes:
    """The headline and the metric tables of the run as an Excel workbook (``etj_sim.exports``)."""
    from etj_sim.exports import SUMMARY_XLSX, write_summary_exports
    from etj_sim.metrics import summary_of

    with tempfile.TemporaryDirectory(prefix="etj-sim-app-") as folder:
        write_summary_exports(folder, summary_of(outcome.frames), outcome.frames, lang=lang)
        return (Path(folder) / SUMMARY_XLSX).read_bytes()


def scenario_toml(scenario: Scenario) -> str:
    """The scenario as a full TOML file that ``etj-sim validate`` accepts."""
    return scenario_to_toml(scenario)


# -- replications with common random numbers ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReplicationSnapshot:
    """How far the replications are, and the change against the reference so far.

    ``differences`` has one row per metric: ``metric``, ``n``, ``mean``, ``ci_low``,
    ``ci_high`` (variant minus reference, paired by replication; intervals need n >= 2).
    """

    done: int
    total: int
    differences: pl.DataFrame
    cancelled: bool = False
    failures: tuple[str, ...] = ()
    variant_hash: str = ""
    """The content hash of the variant these replications are of."""
    reference_name: str = ""

    @property
    def finished(self) -> bool:
        return self.cancelled or self.done + len(self.failures) >= self.total


def _summary_of_run(scenario: Scenario, seed: int) -> dict[str, object]:
    """One replication in the worker process: its headline row only (small to send back)."""
    from etj_sim.simulation import simulate

    row: dict[str, object] = simulate(scenario, seed).summary().row(0, named=True)
    return row


_Key = tuple[str, int]


def _replication_worker_start(parent: int) -> None:
    """Start of a replication worker: lowest CPU priority, and gone when its server is.

    Priority (nice 19): the page's own run (a lever change) is what the planner waits for; the
    replications only refine the intervals. At nice 19 the worker gets a core only when the
    page's run and the browser leave it idle.

    Exit with the parent: a server stopped without its exit handlers (killed, or a test's
    fixture ending it) left its worker behind for good, since the worker holds both ends of its
    own task queue and never reads an end-of-file. A daemon thread checks once a second whether
    the worker still has its parent and ends the process when it has not.
    """
    if hasattr(os, "nice"):
        # Not permitted (a locked-down system): the worker then runs at normal priority.
        with contextlib.suppress(OSError):
            os.nice(19)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="etj-sim-parent-watch", daemon=True).start()


class ReplicationRunner:
    """Replications in a separate process, shared by every page of this server or kernel.

    The worker process never holds the page's interpreter lock, so the page stays responsive
    while replications run. Reference summaries are cached by (scenario hash, seed): after a
    lever change only the variant's replications run again.
    """

    def __init__(self, workers: int = 1) -> None:
        self._workers = workers
        self._executor: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self._cache: dict[_Key, dict[str, object]] = {}

    def _pool(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._executor is None:
                # spawn: a fork of a server with threads running is unsafe.
                context = multiprocessing.get_context("spawn")
                self._executor = ProcessPoolExecutor(
                    self._workers,
                    mp_context=context,
                    initializer=_replication_worker_start,
                    initargs=(os.getpid(),),
                )
            return self._executor

    def shutdown(self) -> None:
        """Stop the worker process (pending replications are dropped)."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)

    def cached(self, scenario: Scenario, seed: int) -> dict[str, object] | None:
        return self._cache.get((scenario.content_hash, seed))

    def start(
        self,
        reference: Scenario,
        variant: Scenario,
        seeds: Sequence[int],
        metrics: Sequence[str] = HEADLINE_METRICS,
    ) -> ReplicationJob:
        """Run ``reference`` and ``variant`` with each seed in ``seeds`` (common random numbers)."""
        job = ReplicationJob(self, reference, variant, list(seeds), list(metrics))
        job._submit()
        return job

    def _summary(self, scenario: Scenario, seed: int) -> Future[dict[str, object]]:
        key = (scenario.content_hash, seed)
        cached = self._cache.get(key)
        if cached is not None:
            done: Future[dict[str, object]] = Future()
            done.set_result(cached)
            return done
        try:
            future = self._pool().submit(_summary_of_run, scenario, seed)
        except BrokenProcessPool:
            # The worker died (killed, out of memory): its runs failed, the next ones get a new one.
            self.shutdown()
            future = self._pool().submit(_summary_of_run, scenario, seed)

        def remember(finished: Future[dict[str, object]]) -> None:
            if not finished.cancelled() and finished.exception() is None:
                self._cache[key] = finished.result()

        future.add_done_callback(remember)
        return future


class ReplicationJob:
    """The replications of one (reference, variant) pair; :meth:`snapshots` follows them."""

    def __init__(
        self,
        runner: ReplicationRunner,
        reference: Scenario,
        variant: Scenario,
        seeds: list[int],
        metrics: list[str],
    ) -> None:
        self._runner = runner
        self.reference = reference
        self.variant = variant
        self.seeds = seeds
        self.metrics = metrics
        self._futures: list[tuple[Future[dict[str, object]], Future[dict[str, object]]]] = []
        self._changed = threading.Condition()
        self._cancelled = False

    def _submit(self) -> None:
        # Reference and variant of replication r side by side, so pairs complete in order and
        # the interval starts refining after the second pair.
        for seed in self.seeds:
            pair = (
                self._runner._summary(self.reference, seed),
                self._runner._summary(self.variant, seed),
            )
            for future in pair:
                future.add_done_callback(self._notify)
            self._futures.append(pair)

    def _notify(self, _: object) -> None:
        with self._changed:
            self._changed.notify_all()

    def cancel(self) -> None:
        """Drop the replications not yet started; the one running finishes and is ignored."""
        self._cancelled = True
        for pair in self._futures:
            for future in pair:
                future.cancel()
        self._notify(None)

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def snapshot(self) -> ReplicationSnapshot:
        """The pairs finished so far and the paired differences over them."""
        from etj_sim.experiments import paired_differences

        rows: list[dict[str, object]] = []
        failures: list[str] = []
        done = 0
        for replication, (reference, variant) in enumerate(self._futures):
            if not (reference.done() and variant.done()):
                continue
            if reference.cancelled() or variant.cancelled():
                continue
            error = reference.exception() or variant.exception()
            if error is not None:
                failures.append(f"replication {replication}: {type(error).__name__}: {error}")
                continue
            done += 1
            for point, future in ((0, reference), (1, variant)):
                row = {name: future.result()[name] for name in self.metrics}
                rows.append({"design_point": point, "replication": replication, **row})
        if done:
            runs = pl.DataFrame(rows).with_columns(pl.col(self.metrics).cast(pl.Float64))
            differences = paired_differences(runs, reference=0, metrics=self.metrics).select(
                "metric", "n", "mean", "ci_low", "ci_high"
            )
        else:
            differences = pl.DataFrame(
                schema={
                    "metric": pl.String,
                    "n": pl.Int64,
                    "mean": pl.Float64,
                    "ci_low": pl.Float64,
                    "ci_high": pl.Float64,
                }
            )
        return ReplicationSnapshot(
            done,
            len(self._futures),
            differences,
            self._cancelled,
            tuple(failures),
            self.variant.content_hash,
            self.reference.name,
        )

    def snapshots(self, poll_seconds: float = 5.0) -> Iterator[ReplicationSnapshot]:
        """A snapshot now and after each finished pair, until all are done or cancelled."""
        last = -1
        while True:
            snapshot = self.snapshot()
            progress = snapshot.done + len(snapshot.failures)
            if progress != last or snapshot.finished:
                last = progress
                yield snapshot
            if snapshot.finished:
                return
            with self._changed:
                self._changed.wait(poll_seconds)


_SHARED_RUNNER: ReplicationRunner | None = None


def shared_runner() -> ReplicationRunner:
    """The process's one :class:`ReplicationRunner` (its worker stops when the process exits)."""
    global _SHARED_RUNNER
    if _SHARED_RUNNER is None:
        _SHARED_RUNNER = ReplicationRunner()
        atexit.register(_SHARED_RUNNER.shutdown)
    return _SHARED_RUNNER


def replication_seeds(master_seed: int, replications: int) -> list[int]:
    """The seeds of ``replications`` replications, as ``etj-sim batch`` derives them."""
    from etj_sim.experiments.experiment import replication_seed

    return [replication_seed(master_seed, replication) for replication in range(replications)]
