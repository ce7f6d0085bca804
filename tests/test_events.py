"""Tests of the event log buffer (etj_sim.events), the last step before the metrics.

The frame is a stored-format contract (EVENT_LOG_SCHEMA): whichever recording method the domain
uses, and whether the frame is copied (to_frame) or drained (drain_to_frame), the same events
must give the same frame.
"""

from __future__ import annotations

import copy
import io
import math
import pickle
import random
import struct
from datetime import datetime

import polars as pl
import pytest

import etj_sim.events as events_module
from etj_sim.events import (
    EVENT_LOG_SCHEMA,
    NONE,
    ROW_BYTES,
    ActorRole,
    Channel,
    Event,
    EventLog,
    Kind,
    Reason,
)

EPOCH = datetime(2026, 1, 5)
Row = tuple[float, int, int, int, int, int, int, int, int, int, int, int, int, int, int, float]


def _random_rows(count: int, seed: int) -> list[Row]:
    """Rows covering every event, with each optional column sometimes missing."""
    generator = random.Random(seed)

    def maybe(upper: int) -> int:
        return generator.randrange(upper) if generator.random() < 0.6 else NONE

    rows: list[Row] = []
    minutes = 0.0
    for _ in range(count):
        minutes += generator.random() * 3.7
        event = generator.choice(list(Event))
        recipient = maybe(50_000) if event is Event.ALERT_SENT else NONE
        rows.append(
            (
                minutes,
                int(event),
                maybe(2_000_000),
                maybe(2_000_000),
                maybe(len(ActorRole)),
                maybe(40),
                maybe(900),
                maybe(10_000_000),
                maybe(2**31 - 1),
                maybe(len(Channel)),
                maybe(len(Kind)),
                maybe(len(Reason)),
                recipient,
                maybe(2),
                maybe(2),
                generator.random() * 30 if generator.random() < 0.2 else math.nan,
            )
        )
    return rows


def _expected_frame(rows: list[Row]) -> pl.DataFrame:
    """The frame built the plain way, one Python value per cell."""
    names = EVENT_LOG_SCHEMA.names()
    enums = {
        "event": events_module.EVENT_NAMES,
        "actor_role": events_module.ACTOR_ROLES,
        "channel": events_module.CHANNELS,
        "kind": events_module.KINDS,
        "reason": events_module.REASONS,
    }
    order = (
        "time",
        "event",
        "person",
        "actor",
        "actor_role",
        "clinic",
        "staff",
        "case",
        "message",
        "channel",
        "kind",
        "reason",
        "recipient",
        "alert_sms",
        "alert_email",
        "duration_minutes",
    )
    data: dict[str, list[object]] = {name: [] for name in names}
    for row in rows:
        for name, value in zip(order, row, strict=True):
            cell: object
            if name == "time":
                cell = value  # minutes, turned into a datetime below
            elif name == "duration_minutes":
                cell = None if math.isnan(value) else value
            elif value == NONE:
                cell = None
            elif name in enums:
                cell = enums[name][int(value)]
            elif name in ("alert_sms", "alert_email"):
                cell = bool(value)
            else:
                cell = int(value)
            data[name].append(cell)
    frame = pl.DataFrame(data, schema={**EVENT_LOG_SCHEMA, "time": pl.Float64})
    return frame.with_columns(
        (pl.lit(EPOCH) + pl.duration(milliseconds=(pl.col("time") * 60_000).round(0)))
        .cast(pl.Datetime("ms"))
        .alias("time")
    )


def _record_generic(rows: list[Row]) -> EventLog:
    log = EventLog(EPOCH)
    for row in rows:
        log.record(*row)
    return log


def _record_specialised(rows: list[Row]) -> EventLog:
    """The same rows through the methods the domain uses wherever they apply."""
    log = EventLog(EPOCH)
    for row in rows:
        (minutes, event, person, actor, role, clinic, staff, case, message) = row[:9]
        channel, kind, reason, recipient, sms, email, duration = row[9:]
        if (
            event == Event.ALERT_SENT
            and (actor, role, clinic, staff, case, kind, reason, sms, email)
            == (NONE, ActorRole.SYSTEM, NONE, NONE, NONE, NONE, NONE, NONE, NONE)
            and math.isnan(duration)
        ):
            log.record_alert_sent(minutes, person, message, channel, recipient)
        elif reason == NONE and recipient == NONE and math.isnan(duration):
            log.record_dense(
                minutes,
                event,
                person,
                actor,
                role,
                clinic,
                staff,
                case,
                message,
                channel,
                kind,
                sms,
                email,
            )
        else:
            log.record(*row)
    return log


def _alert_rows(count: int) -> list[Row]:
    return [
        (
            float(index),
            int(Event.ALERT_SENT),
            index,
            NONE,
            int(ActorRole.SYSTEM),
            NONE,
            NONE,
            NONE,
            index * 3,
            int(Channel.SMS),
            NONE,
            NONE,
            index % 4 - 1,
            NONE,
            NONE,
            math.nan,
        )
        for index in range(count)
    ]


def test_generic_record_gives_the_plainly_built_frame() -> None:
    rows = _random_rows(3_000, seed=11)
    frame = _record_generic(rows).to_frame()
    assert frame.schema == EVENT_LOG_SCHEMA
    assert frame.equals(_expected_frame(rows))


def test_specialised_methods_give_the_generic_frame() -> None:
    rows = _random_rows(3_000, seed=12) + _alert_rows(200)
    generic = _record_generic(rows)
    specialised = _record_specialised(rows)
    assert len(specialised) == len(generic) == len(rows)
    assert specialised.buffered_bytes == generic.buffered_bytes
    assert specialised.to_frame().equals(generic.to_frame())


def test_dense_rows_cost_the_packed_record_size() -> None:
    log = EventLog(EPOCH)
    for index in range(100):
        log.record(float(index), Event.LOGIN, index, index, ActorRole.CITIZEN, channel=Channel.WEB)
    assert log.buffered_bytes == 100 * ROW_BYTES
    assert ROW_BYTES < 47  # the former layout: one array.array per column


def test_to_frame_keeps_the_log_and_recording_goes_on() -> None:
    rows = _random_rows(500, seed=13)
    log = _record_generic(rows[:300])
    first = log.to_frame()
    for row in rows[300:]:
        log.record(*row)
    assert first.equals(_expected_frame(rows[:300]))
    assert log.to_frame().equals(_expected_frame(rows))


def test_deep_copy_has_the_same_rows_and_buffers_of_its_own() -> None:
    rows = _random_rows(400, seed=15) + _alert_rows(30)
    log = _record_generic(rows[:300])
    copied = copy.deepcopy(log)
    for row in rows[300:]:
        log.record(*row)
    assert copied.epoch == log.epoch
    assert len(copied) == 300
    assert copied.buffered_bytes < log.buffered_bytes
    assert copied.to_frame().equals(_expected_frame(rows[:300]))
    copied.record(*rows[300])
    assert copied.to_frame().equals(_expected_frame(rows[:301]))
    assert log.to_frame().equals(_expected_frame(rows))


@pytest.mark.parametrize("chunk_rows", [1, 7, 64, 10_000])
def test_drain_gives_the_to_frame_frame_and_empties_the_log(
    monkeypatch: pytest.MonkeyPatch, chunk_rows: int
) -> None:
    monkeypatch.setattr(events_module, "_DRAIN_CHUNK_ROWS", chunk_rows)
    rows = _random_rows(700, seed=14) + _alert_rows(50)
    log = _record_generic(rows)
    expected = log.to_frame()
    drained = log.drain_to_frame()
    assert drained.schema == EVENT_LOG_SCHEMA
    assert drained.equals(expected)
    assert len(log) == 0
    assert log.buffered_bytes == 0
    log.record(*rows[0])
    assert log.to_frame().equals(_expected_frame(rows[:1]))


def test_empty_log_gives_the_empty_frame() -> None:
    log = EventLog(EPOCH)
    assert log.to_frame().equals(pl.DataFrame(schema=EVENT_LOG_SCHEMA))
    assert log.drain_to_frame().equals(pl.DataFrame(schema=EVENT_LOG_SCHEMA))


def test_out_of_range_code_is_refused() -> None:
    log = EventLog(EPOCH)
    with pytest.raises(struct.error, match=r"format requires"):
        log.record(0.0, Event.LOGIN, channel=300)
    assert len(log) == 0


def test_a_frame_with_null_codes_leaves_the_process_intact() -> None:
    # Pickling and Arrow IPC (how frames reach other processes and Dask) check every enum code,
    # also under a null: the frame must come back equal (issue 19).
    rows = _random_rows(2_000, seed=14)
    frame = _record_generic(rows).to_frame()
    assert frame["reason"].null_count() > 0
    assert frame["channel"].null_count() > 0
    assert pickle.loads(pickle.dumps(frame)).equals(frame)
    buffer = io.BytesIO()
    frame.write_ipc(buffer)
    buffer.seek(0)
    assert pl.read_ipc(buffer).equals(frame)
