"""Process-mining export: OCEL 2.0 JSON, XES and CSV read back, counts checked against the log.

Pipeline position: tests of etj_sim.export and ``etj-sim export``. pm4py (AGPL, the ``mining``
extra and a dev dependency, never a runtime one) reads the files back, as a user's tool would.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pm4py  # the optional "mining" extra, installed with dev
import polars as pl
import pytest

from etj_sim.cli import main
from etj_sim.export import ocel_document, write_csv, write_ocel_json, write_xes
from etj_sim.scenario import Scenario
from etj_sim.simulation import SimulationResult, simulate


@cache
def small_run() -> SimulationResult:
    scenario = Scenario(name="export-test", duration_days=14).with_overrides(
        {"population.size": 2_000}
    )
    return simulate(scenario, 3)


def expected_objects(events: pl.DataFrame) -> dict[str, int]:
    """Objects per type, counted from the log's id columns."""
    citizens = pl.concat([events[column] for column in ("person", "actor", "recipient")])
    sent = events.filter(pl.col("event") == "message_sent")
    notices = sent.filter(pl.col("kind") == "appointment_notice")["message"].n_unique()
    messages = events["message"].drop_nulls().n_unique()
    counts = {
        "citizen": citizens.drop_nulls().n_unique(),
        "case": events["case"].drop_nulls().n_unique(),
        "message": messages - notices,
        "notice": notices,
        "clinic": events["clinic"].drop_nulls().n_unique(),
        "staff member": events["staff"].drop_nulls().n_unique(),
    }
    return {kind: count for kind, count in counts.items() if count}


def test_ocel_export_reads_back_with_pm4py(tmp_path: Path) -> None:
    result = small_run()
    path = tmp_path / "log.jsonocel"
    write_ocel_json(path, result.events, result.population)
    ocel = pm4py.read_ocel2_json(str(path))
    assert len(ocel.events) == result.events.height
    counts = ocel.objects["ocel:type"].value_counts().to_dict()
    assert counts == expected_objects(result.events)
    activities = ocel.events["ocel:activity"].value_counts().to_dict()
    logged = dict(result.events["event"].cast(pl.String).value_counts().iter_rows())
    assert activities == logged
    qualifiers = set(ocel.relations["ocel:qualifier"])
    assert {"actor", "recipient", "clinic", "case"} <= qualifiers
    # Every case is about a citizen and handled at a clinic (object-to-object relations).
    about = ocel.o2o[ocel.o2o["ocel:qualifier"] == "about"]
    assert len(about) == result.events["case"].drop_nulls().n_unique()


def test_ocel_relations_carry_proxy_and_alert_qualifiers() -> None:
    events = small_run().events
    document = ocel_document(events)
    relations = [
        (event["type"], link["qualifier"])
        for event in document["events"]
        for link in event["relationships"]
    ]
    proxy_rows = events.filter(
        (pl.col("actor_role") == "guardian_proxy") & pl.col("person").is_not_null()
    ).height
    assert sum(1 for _, qualifier in relations if qualifier == "proxy-for") == proxy_rows
    alerts = events.filter(pl.col("event") == "alert_sent").height
    assert sum(1 for kind, q in relations if (kind, q) == ("alert_sent", "alert recipient")) == (
        alerts
    )
    assert {kind["name"] for kind in document["objectTypes"]} == set(expected_objects(events))


def test_xes_export_has_one_trace_per_case(tmp_path: Path) -> None:
    events = small_run().events
    path = tmp_path / "cases.xes"
    traces = write_xes(path, events)
    log = pm4py.read_xes(str(path), return_legacy_log_object=False)
    with_case = events.filter(pl.col("case").is_not_null())
    assert traces == with_case["case"].n_unique()
    assert log["case:concept:name"].nunique() == traces
    assert len(log) == with_case.height


def test_csv_export_keeps_every_row(tmp_path: Path) -> None:
    events = small_run().events
    path = tmp_path / "events.csv"
    write_csv(path, events)
    back = pl.read_csv(path)
    assert back.height == events.height
    assert back.columns == events.columns


def test_export_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = small_run()
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    result.events.write_parquet(run_dir / "events.parquet")
    result.population.write_parquet(run_dir / "population.parquet")
    target = tmp_path / "log.json"
    assert main(["export", str(run_dir), "--format", "ocel", "--out", str(target)]) == 0
    assert len(json.loads(target.read_text(encoding="utf-8"))["events"]) == result.events.height
    assert main(["export", str(run_dir), "--format", "xes", "--out", str(tmp_path / "a.xes")]) == 0
    assert "traces" in capsys.readouterr().out
    # Bad input: exit 2, a message naming the problem, nothing written.
    missing = tmp_path / "nothing.json"
    assert main(["export", str(tmp_path / "nope"), "--format", "csv", "--out", str(missing)]) == 2
    assert "no such folder" in capsys.readouterr().err
    assert main(["export", str(tmp_path), "--format", "csv", "--out", str(missing)]) == 2
    assert "events.parquet" in capsys.readouterr().err
    assert main(["export", str(run_dir), "--format", "pdf", "--out", str(missing)]) == 2
    assert not missing.exists()
