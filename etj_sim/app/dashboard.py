"""The planner's dashboard: one Solara component, a web page and a JupyterLab panel alike.

Pipeline position: the app, last in the pipeline
(scenario -> population -> domain -> simulation -> event log -> metrics -> charts/report/app).
:func:`Dashboard` only lays out what :mod:`etj_sim.app.planning` computes: the scenario picker
(shipped names or an uploaded TOML file), the size presets, the levers with their baseline values,
the run's progress, headline cards with the change against the reference as replications refine
it, the charts and the downloads. ``etj-sim app`` serves it (:mod:`etj_sim.app.command`); in a
notebook cell ``etj_sim.app.Dashboard()`` shows the same page.

Runs of the page happen one at a time in this process (a lever moved while a run is going waits
for it, and a superseded run is skipped); replications run in a separate worker process, so they
never hold this process's interpreter lock.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any, Final, cast

import reacton.ipyvue
import solara
import solara.lab

from etj_sim.app.phrases import app_phrase
from etj_sim.app.planning import (
    CAMPAIGN_AGE_GROUPS,
    DEFAULT_REPLICATIONS,
    HEADLINE_METRICS,
    MAX_UPLOAD_BYTES,
    NOTICE_POLICIES,
    SIZE_PRESETS,
    Levers,
    ReplicationJob,
    ReplicationSnapshot,
    RunOutcome,
    Upload,
    apply_levers,
    read_upload,
    replication_seeds,
    report_html,
    run_once,
    scenario_toml,
    shared_runner,
    shipped_catalogue,
    sized,
    tables_xlsx,
)
from etj_sim.i18n import (
    LANGUAGES,
    Language,
    format_difference,
    format_integer,
    format_number,
    format_quantity,
    term,
    unit_label,
)
from etj_sim.metrics import SUMMARY_COLUMNS
from etj_sim.scenario import STAFF_ROLES, Scenario, ScenarioError, ScenarioProblem

__all__ = ["Dashboard"]

LOG: Final = logging.getLogger("etj_sim.app")
"""Each run of the page is logged here (``etj-sim app`` prints it on stderr)."""

_RUN_LOCK: Final = threading.Lock()
"""One foreground run at a time in this process: two at once would each take twice as long."""

_CATALOGUE: dict[str, Scenario] = {}


def _catalogue() -> dict[str, Scenario]:
    if not _CATALOGUE:
        _CATALOGUE.update(shipped_catalogue())
    return _CATALOGUE


def _percent(share: float) -> int:
    return round(share * 100)


def _heading(tag: str, text: str) -> None:
    # Not solara.Markdown: it loads KaTeX for formulas, which the page has no use for.
    solara.v.Html(tag=tag, children=[text], style_="margin: 0.75rem 0 0.25rem")


def _block(text: str, *, classes: str = "", style: str = "") -> None:
    """Text on a line of its own (``solara.Text`` is inline)."""
    solara.v.Html(tag="div", children=[text], class_=classes, style_=style)


@solara.component
def Dashboard(
    language: Language = "sv",
    scenario: str | Scenario = "baseline",
    size: str = "town",
    seed: int = 1,
    replications: int = DEFAULT_REPLICATIONS,
) -> None:
    """The planner's page: pick a scenario, move the levers, read the figures and download.

    ``scenario`` is a shipped scenario's name or a :class:`~etj_sim.Scenario` of the notebook's
    own (offered first, beside the shipped ones), ``size`` a key of ``SIZE_PRESETS``, ``seed``
    the seed of the run shown (replications derive theirs from it as ``etj-sim batch`` does)
    and ``replications`` the number of paired replications behind the intervals.
    """
    catalogue = _catalogue()
    if isinstance(scenario, Scenario):
        # The notebook's own scenario first; it stands in for a shipped one of the same name.
        others = {name: shipped for name, shipped in catalogue.items() if name != scenario.name}
        catalogue = {scenario.name: scenario, **others}
        scenario = scenario.name
    if scenario not in catalogue:
        raise ValueError(
            f"scenario: no shipped scenario {scenario!r}; choose one of {', '.join(catalogue)}"
        )
    if size not in SIZE_PRESETS:
        raise ValueError(f"size: unknown preset {size!r}; choose one of {', '.join(SIZE_PRESETS)}")
    if replications < 0:
        raise ValueError(f"replications: expected 0 or more, got {replications}")
    lang = solara.use_reactive(language)
    shipped_name = solara.use_reactive(scenario)
    upload = solara.use_reactive(cast(Upload | None, None))
    preset = solara.use_reactive(size)
    chosen_levers = solara.use_reactive(cast(Levers | None, None))
    stage = solara.use_reactive("")
    shown = solara.use_reactive(cast(RunOutcome | None, None))
    run_error = solara.use_reactive("")
    rerun = solara.use_reactive(0)

    words = lang.value

    def pick_shipped(name: str) -> None:
        shipped_name.set(name)
        upload.set(None)
        chosen_levers.set(None)

    def pick_size(name: str) -> None:
        preset.set(name)
        chosen_levers.set(None)

    def take_upload(file: Any) -> None:
        handle = file["file_obj"]
        arrived = read_upload(str(file["name"]), int(file["size"]), handle.read)
        upload.set(arrived)
        chosen_levers.set(None)

    base = catalogue[shipped_name.value] if upload.value is None else upload.value.scenario

    # The reference: the picked scenario at the chosen size with its own values.
    reference: Scenario | None = None
    problems: list[ScenarioProblem] = []
    if base is not None:
        try:
            reference = sized(base, preset.value)
        except ScenarioError as error:
            problems = list(error.problems)
    levers = chosen_levers.value or (Levers.of(reference) if reference is not None else None)
    variant: Scenario | None = None
    if reference is not None and levers is not None:
        try:
            variant = apply_levers(reference, levers)
        except ScenarioError as error:
            problems = list(error.problems)

    variant_key = variant.content_hash if variant is not None else ""
    reference_key = reference.content_hash if reference is not None else ""
    latest = solara.use_ref(variant_key)
    latest.current = variant_key

    overrides = levers.overrides(reference) if levers is not None and reference is not None else {}

    def run() -> None:
        if variant is None:
            return
        stage.set("waiting")
        with _RUN_LOCK:
            if latest.current != variant_key:
                return  # a newer choice is on its way
            LOG.info("run: %s (%s), seed %d", variant.name, variant.short_hash, seed)
            try:
                outcome = run_once(
                    variant, seed, lang=words, overrides=overrides, on_stage=stage.set
                )
            except Exception as error:
                run_error.set(f"{type(error).__name__}: {error}")
                stage.set("")
                raise
        run_error.set("")
        stage.set("")
        if latest.current == variant_key:
            shown.set(outcome)

    solara.lab.use_task(run, dependencies=[variant_key, rerun.value], raise_error=False)

    comparing = variant is not None and reference is not None and variant_key != reference_key
    shown_key = shown.value.scenario.content_hash if shown.value is not None else ""
    # The replications start once the page shows this variant's own run: on two cores the
    # worker, however low its priority, would otherwise slow the run the planner waits for
    # (in the benchmark the server's run took about 0.2 s longer than the same run alone).
    shown_now = shown_key == variant_key

    def start_job() -> ReplicationJob | None:
        if not comparing or not shown_now or variant is None or reference is None:
            return None
        seeds = replication_seeds(seed, replications)
        return shared_runner().start(reference, variant, seeds)

    job = solara.use_memo(start_job, dependencies=[reference_key, variant_key, shown_now])

    def stop_on_change() -> Callable[[], None] | None:
        return job.cancel if job is not None else None

    solara.use_effect(stop_on_change, [job])

    def follow() -> Iterator[ReplicationSnapshot | None]:
        if job is None:
            yield None
            return
        yield from job.snapshots()

    progress = solara.lab.use_task(follow, dependencies=[job], raise_error=False)
    # A generator task keeps its last value as "latest" once it has finished.
    snapshot = cast(ReplicationSnapshot | None, progress.latest)
    if snapshot is not None and not snapshot.variant_hash == shown_key == variant_key:
        snapshot = None  # the cards show another run: no change of another run on them

    with solara.Column(classes=["etj-dashboard"], style={"padding": "1rem", "max-width": "80rem"}):
        with solara.Row(style={"align-items": "center", "justify-content": "space-between"}):
            _heading("h2", app_phrase("title", words))
            solara.ToggleButtonsSingle(
                value=lang,
                values=list(LANGUAGES),
                classes=["etj-language"],
            )
        _block(app_phrase("intro", words), classes="etj-intro")
        with solara.Columns([1, 2]):
            with solara.Column():
                _ScenarioPicker(
                    words,
                    list(catalogue),
                    shipped_name.value,
                    pick_shipped,
                    upload.value,
                    take_upload,
                    problems,
                )
                _SizePicker(words, preset.value, pick_size, reference)
                if reference is not None and levers is not None:
                    _LeverPanel(words, reference, levers, chosen_levers.set)
            with solara.Column():
                # The stage is read inside _RunStatus only: a stage change, four a run, redraws
                # the status line, not the whole page while the run is under way.
                _RunStatus(words, stage, run_error.value, shown.value, rerun)
                if shown.value is not None and variant is not None:
                    _Headline(words, shown.value, snapshot, comparing, job)
                    _Charts(words, shown.value)
                    _Downloads(words, shown.value, variant, snapshot)


@solara.component
def _ScenarioPicker(
    words: Language,
    names: list[str],
    shipped_name: str,
    pick: Callable[[str], None],
    upload: Upload | None,
    take_upload: Callable[[Any], None],
    problems: list[ScenarioProblem],
) -> None:
    with solara.Card(app_phrase("scenario", words), classes=["etj-scenario"]):
        solara.Select(
            label=app_phrase("shipped", words),
            values=names,
            value=shipped_name if upload is None else None,
            on_value=lambda name: pick(name) if name is not None else None,
        )
        limit = format_integer(MAX_UPLOAD_BYTES // 1024, words) + " KB"
        _block(app_phrase("upload", words, limit=limit), style="margin-top: 0.5rem")
        _UploadField(take_upload)
        if upload is not None:
            if upload.ok:
                solara.Success(app_phrase("uploaded", words, name=upload.name))
            else:
                title = app_phrase(
                    "upload_problems", words, name=upload.name, count=len(upload.problems)
                )
                with solara.Column(classes=["etj-upload-problems"]):
                    solara.Error(title)
                    for problem in upload.problems:
                        _block(problem.render(upload.name), classes="etj-problem")
            solara.Button(
                app_phrase("use_shipped", words), on_click=lambda: pick(shipped_name), text=True
            )
        elif problems:
            with solara.Column(classes=["etj-upload-problems"]):
                for problem in problems:
                    solara.Error(problem.render("levers"), classes=["etj-problem"])


@solara.component
def _UploadField(take: Callable[[Any], None]) -> None:
    """A file field (``<input type=file>``) whose file is read in chunks only when asked for.

    The browser announces name and size first; :func:`read_upload` refuses a file over the limit
    before a byte of it is sent. (As ``solara.FileDrop``, on ipyvuetify's ``FileInput``, which
    also has a button to choose a file, not only a drop zone.)
    """
    from ipyvuetify.extra.file_input import FileInput

    file_info, set_file_info = solara.use_state(cast(list[Any] | None, None))
    wired, set_wired = solara.use_state(cast(list[Any] | None, None))
    field = FileInput.element(
        on_file_info=set_file_info, multiple=False, accept=".toml", show_progress=False
    )

    def wire_files() -> None:
        if not file_info:
            return
        widget = solara.get_widget(field)
        # As solara.FileDrop does: a new version, so reads of an earlier file stop.
        widget.version += 1
        widget.reset_stats()
        set_wired(widget.get_files())

    solara.use_effect(wire_files, [file_info])

    def read(cancel: threading.Event) -> None:
        if wired:
            take(wired[0])

    solara.use_thread(read, [wired])


@solara.component
def _SizePicker(
    words: Language, preset: str, pick: Callable[[str], None], reference: Scenario | None
) -> None:
    with solara.Card(app_phrase("size", words), classes=["etj-size"]):
        labels = {app_phrase(f"size.{name}", words): name for name in SIZE_PRESETS}
        current = next(label for label, name in labels.items() if name == preset)
        solara.Select(
            label=app_phrase("size", words),
            values=list(labels),
            value=current,
            on_value=lambda label: pick(labels[label]) if label in labels else None,
        )
        if reference is not None:
            solara.Text(
                app_phrase(
                    "size_now",
                    words,
                    people=format_integer(reference.population.size, words),
                    clinics=format_integer(reference.clinics.count, words),
                    days=format_integer(reference.duration_days, words),
                ),
                classes=["etj-size-now"],
            )


@solara.component
def _CommitSlider(
    label: str,
    value: int,
    minimum: int,
    maximum: int,
    commit: Callable[[int], None],
    baseline: str,
    name: str,
) -> None:
    """An integer slider that commits when let go (or after a key press), not while it moves.

    A run per intermediate value would queue runs a planner never asked for.
    """
    shown = solara.use_reactive(value)
    moved_to = solara.use_ref(value)

    # Follow the value from outside (a reset, another scenario) as well as the thumb.
    def follow_outside() -> None:
        moved_to.current = value
        shown.set(value)

    solara.use_effect(follow_outside, [value])

    def move(position: float) -> None:
        moved_to.current = int(position)
        shown.set(int(position))

    def let_go(_widget: object, _event: str, position: float) -> None:
        moved_to.current = int(position)
        if moved_to.current != value:
            commit(moved_to.current)

    with solara.Column(gap="0px", classes=[f"etj-lever-box-{name}"]):
        _block(label, classes="etj-lever-label")
        slider = solara.v.Slider(
            v_model=shown.value,
            on_v_model=move,
            min=minimum,
            max=maximum,
            step=1,
            thumb_label=True,
            hide_details=True,
            class_=f"etj-lever etj-lever-{name}",
        )
        # Vuetify's slider says "change" when the thumb is let go or moved by a key.
        reacton.ipyvue.use_event(slider, "change", let_go)
        _block(baseline, classes="etj-baseline", style="color: #555; font-size: 0.85rem")


@solara.component
def _LeverPanel(
    words: Language, reference: Scenario, levers: Levers, choose: Callable[[Levers], None]
) -> None:
    own = Levers.of(reference)

    def baseline_percent(share: float) -> str:
        return app_phrase("baseline", words, value=format_quantity(share, "share", words))

    def baseline_count(count: int) -> str:
        return app_phrase("baseline", words, value=format_integer(count, words))

    with solara.Card(app_phrase("levers", words), classes=["etj-levers"]):
        _CommitSlider(
            app_phrase("lever.alert_opt_in_share", words),
            _percent(levers.alert_opt_in_share),
            0,
            100,
            lambda percent: choose(replace(levers, alert_opt_in_share=percent / 100)),
            baseline_percent(own.alert_opt_in_share),
            "alert_opt_in_share",
        )
        _CommitSlider(
            app_phrase("lever.opt_in_nudge_share", words),
            _percent(levers.opt_in_nudge_share),
            0,
            50,
            lambda percent: choose(replace(levers, opt_in_nudge_share=percent / 100)),
            baseline_percent(own.opt_in_nudge_share),
            "opt_in_nudge_share",
        )
        for index, role in enumerate(STAFF_ROLES):
            _CommitSlider(
                app_phrase("lever.staff", words, role=term("role", role, words).capitalize()),
                levers.staff[index],
                0,
                10,
                lambda count, role=role: choose(levers.with_staff(role, count)),
                baseline_count(own.staff[index]),
                f"staff_{role}",
            )
        _CommitSlider(
            app_phrase("lever.digital_notice_share", words),
            _percent(levers.digital_notice_share),
            0,
            100,
            lambda percent: choose(replace(levers, digital_notice_share=percent / 100)),
            baseline_percent(own.digital_notice_share),
            "digital_notice_share",
        )
        _NoticePolicyLever(words, reference, levers, own, choose)
        solara.Switch(
            label=app_phrase("lever.campaign", words),
            value=levers.campaign_on,
            on_value=lambda on: choose(replace(levers, campaign_on=on)),
            classes=["etj-lever-campaign"],
        )
        if levers.campaign_on:
            _CommitSlider(
                app_phrase("lever.campaign_day", words),
                levers.campaign_day,
                0,
                reference.duration_days - 1,
                lambda day: choose(replace(levers, campaign_day=day)),
                baseline_count(own.campaign_day),
                "campaign_day",
            )
            groups = list(CAMPAIGN_AGE_GROUPS)
            if levers.campaign_age_group not in groups:
                groups.append(levers.campaign_age_group)
            # "all" in words; the other groups are ages, the same in both languages.
            labels = {
                (app_phrase("age.all", words) if group == "all" else group): group
                for group in groups
            }
            current = next(
                label for label, group in labels.items() if group == levers.campaign_age_group
            )
            solara.Select(
                label=app_phrase("lever.campaign_age_group", words),
                values=list(labels),
                value=current,
                on_value=lambda label: choose(replace(levers, campaign_age_group=labels[label])),
            )
        solara.Button(
            app_phrase("reset", words),
            on_click=lambda: choose(own),
            text=True,
            classes=["etj-reset"],
        )


@solara.component
def _NoticePolicyLever(
    words: Language,
    reference: Scenario,
    levers: Levers,
    own: Levers,
    choose: Callable[[Levers], None],
) -> None:
    """The notice policy (F7, F8): digital only, paper if unread, paper also for groups, paper
    only; the fallback's hours when it is chosen. The scenario's own policy is the baseline."""
    policies = list(NOTICE_POLICIES)
    if "custom" in (levers.notice_policy, own.notice_policy):
        policies.append("custom")
    labels = {app_phrase(f"notice_policy.{policy}", words): policy for policy in policies}
    current = next(label for label, policy in labels.items() if policy == levers.notice_policy)
    own_label = app_phrase(f"notice_policy.{own.notice_policy}", words)
    if own.notice_policy == "fallback":
        own_label += f" ({format_integer(round(own.fallback_after_hours), words)} h)"
    with solara.Column(gap="0px", classes=["etj-lever-box-notice_policy"]):
        _block(app_phrase("lever.notice_policy", words), classes="etj-lever-label")
        solara.ToggleButtonsSingle(
            value=current,
            values=list(labels),
            on_value=lambda label: choose(replace(levers, notice_policy=labels[label])),
            classes=["etj-lever-notice_policy"],
        )
        _block(app_phrase("notice_policy.help", words), style="color: #555; font-size: 0.85rem")
        _block(
            app_phrase("baseline", words, value=own_label),
            classes="etj-baseline",
            style="color: #555; font-size: 0.85rem",
        )
    if levers.notice_policy == "fallback":
        _CommitSlider(
            app_phrase("lever.fallback_after_hours", words),
            round(levers.fallback_after_hours),
            1,
            max(168, round(levers.fallback_after_hours)),
            lambda hours: choose(replace(levers, fallback_after_hours=float(hours))),
            app_phrase(
                "baseline",
                words,
                value=format_integer(round(own.fallback_after_hours), words),
            ),
            "fallback_after_hours",
        )


@solara.component
def _RunStatus(
    words: Language,
    stage_now: solara.Reactive[str],
    error: str,
    shown: RunOutcome | None,
    rerun: solara.Reactive[int],
) -> None:
    stage = stage_now.value
    with solara.Row(style={"align-items": "center"}, classes=["etj-status"]):
        if stage:
            solara.SpinnerSolara(size="32px")
            solara.Text(app_phrase(f"stage.{stage}", words), classes=["etj-stage"])
        elif shown is not None:
            seconds = sum(shown.seconds.values())
            solara.Text(
                app_phrase(
                    "ran_in",
                    words,
                    name=shown.scenario.name,
                    hash=shown.scenario.short_hash,
                    seconds=format_number(seconds, words, decimals=2),
                    seed=shown.seed,
                ),
                classes=["etj-ran"],
            )
        solara.Button(
            app_phrase("run", words), on_click=lambda: rerun.set(rerun.value + 1), text=True
        )
    if error:
        solara.Error(app_phrase("run_error", words, error=error))
    solara.ProgressLinear(bool(stage))


def _signed(value: float | None, unit: str, words: Language) -> str:
    """A change with its sign and unit (percentage points for shares)."""
    text = format_difference(value, unit, words)
    if unit == "share" or value is None:
        return text
    return f"{text} {unit_label(unit, words)}"


@solara.component
def _Headline(
    words: Language,
    outcome: RunOutcome,
    snapshot: ReplicationSnapshot | None,
    comparing: bool,
    job: ReplicationJob | None,
) -> None:
    differences: dict[str, dict[str, Any]] = {}
    if snapshot is not None:
        differences = {row["metric"]: row for row in snapshot.differences.iter_rows(named=True)}
    _heading("h3", app_phrase("headline", words))
    with solara.Row(style={"flex-wrap": "wrap"}, classes=["etj-headline"]):
        for name in HEADLINE_METRICS:
            unit = SUMMARY_COLUMNS[name].unit
            value = cast(float | None, outcome.headline.get(name))
            with solara.Card(
                classes=["etj-card", f"etj-metric-{name}"],
                style={"width": "15rem", "margin": "0.25rem"},
            ):
                column = SUMMARY_COLUMNS[name]
                solara.v.Html(
                    tag="div",
                    children=[column.label.of(words)],
                    attributes={"title": column.meaning.of(words)},
                    class_="etj-label",
                    style_="font-size: 0.85rem; min-height: 2.4rem",
                )
                shown_value = format_quantity(value, unit, words)
                if unit != "share" and value is not None:
                    shown_value += f" {unit_label(unit, words)}"
                _block(
                    shown_value,
                    classes="etj-value",
                    style="font-size: 1.5rem; font-weight: 600",
                )
                change = differences.get(name)
                if change is not None:
                    mean = _signed(change["mean"], unit, words)
                    if change["n"] >= 2:
                        text = app_phrase(
                            "change_value",
                            words,
                            change=mean,
                            low=_signed(change["ci_low"], unit, words),
                            high=_signed(change["ci_high"], unit, words),
                        )
                    else:
                        text = app_phrase("change_single", words, change=mean)
                    _block(text, classes="etj-change", style="font-size: 0.85rem")
    _heading("h3", app_phrase("change", words))
    if not comparing:
        _block(app_phrase("change_none", words), classes="etj-change-note")
        return
    done = snapshot.done if snapshot is not None else 0
    total = snapshot.total if snapshot is not None else 0
    with solara.Row(style={"align-items": "center"}):
        solara.Text(
            app_phrase("change_note", words, done=done, total=total),
            classes=["etj-change-note"],
        )
        running = snapshot is None or not snapshot.finished
        if job is not None and running:
            solara.Button(app_phrase("cancel", words), on_click=job.cancel, classes=["etj-cancel"])
    if total:
        solara.ProgressLinear(value=100 * done / total)
    if snapshot is not None and snapshot.cancelled:
        solara.Info(app_phrase("cancelled", words))
    if snapshot is not None and snapshot.failures:
        solara.Error(app_phrase("failed_runs", words, failures="; ".join(snapshot.failures)))


@solara.component
def _Charts(words: Language, outcome: RunOutcome) -> None:
    # A language switch redraws the charts in a thread; the page answers meanwhile.
    drawing = solara.lab.use_task(
        lambda: outcome.charts(words), dependencies=[outcome, words], raise_error=False
    )
    charts = outcome.drawn(words) or cast(dict[str, str] | None, drawing.latest) or {}
    _heading("h3", app_phrase("charts", words))
    with solara.Row(style={"flex-wrap": "wrap"}):
        for name, svg in charts.items():
            # The SVG text is vl-convert's drawing of our own chart spec, not page input.
            solara.HTML(tag="div", unsafe_innerHTML=svg, classes=[f"etj-chart-{name}"])


@solara.component
def _Downloads(
    words: Language,
    outcome: RunOutcome,
    variant: Scenario,
    snapshot: ReplicationSnapshot | None,
) -> None:
    _heading("h3", app_phrase("downloads", words))
    stem = outcome.scenario.name
    with solara.Row():
        solara.FileDownload(
            lambda: report_html(outcome, words, snapshot),
            filename=f"{stem}-report-{words}.html",
            label=app_phrase("download.report", words),
            mime_type="text/html",
        )
        solara.FileDownload(
            lambda: tables_xlsx(outcome, words),
            filename=f"{stem}-tables-{words}.xlsx",
            label=app_phrase("download.tables", words),
            mime_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        solara.FileDownload(
            scenario_toml(variant),
            filename=f"{variant.name}.toml",
            label=app_phrase("download.scenario", words),
            mime_type="application/toml",
        )
