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
import sys
import threading
import time
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
    empty_event_log,
    read_sealed,
)

EPOCH = datetime(2026, 1, 5)
Row = tuple[
    float,
    int,
    int,
    int,
    int,
    int,
    int,
    int,
    int,
    int,
    int,
    int,
    int,
    int,
    int,
    float,
    int,
    int,
    int,
    float,
]


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
        campaign = maybe(5) if event is Event.MESSAGE_SENT else NONE
        form = maybe(3) if event in (Event.MESSAGE_SENT, Event.FORM_SUBMITTED) else NONE
        appointment = maybe(100_000)
        appointment_minutes = generator.random() * 90_000 if appointment != NONE else math.nan
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
                campaign,
                form,
                appointment,
                appointment_minutes,
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
        "campaign",
        "form",
        "appointment",
        "appointment_time",
    )
    data: dict[str, list[object]] = {name: [] for name in names}
    for row in rows:
        for name, value in zip(order, row, strict=True):
            cell: object
            if name in ("time", "appointment_time"):
                cell = None if math.isnan(value) else value  # minutes, datetimes below
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
    frame = pl.DataFrame(
        data, schema={**EVENT_LOG_SCHEMA, "time": pl.Float64, "appointment_time": pl.Float64}
    )
    return frame.with_columns(
        (pl.lit(EPOCH) + pl.duration(milliseconds=(pl.col(name) * 60_000).round(0)))
        .cast(pl.Datetime("ms"))
        .alias(name)
        for name in ("time", "appointment_time")
    )


def _record_generic(rows: list[Row]) -> EventLog:
    log = EventLog(EPOCH)
    for row in rows:
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
            NONE,
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


# One recorder per event kind: its arguments, and the generic row it must write.
_S, _C, _P, _M, _K, _A = 3, 2, 17, 40, 9, 5  # staff, clinic, person, message, case, actor
_AP = 11  # appointment
RECORDERS: dict[Event, tuple[tuple[object, ...], dict[str, object]]] = {
    Event.ACCOUNT_ACTIVATED: (
        (_P, _A, ActorRole.GUARDIAN_PROXY, Channel.APP),
        {"person": _P, "actor": _A, "actor_role": ActorRole.GUARDIAN_PROXY, "channel": Channel.APP},
    ),
    Event.LOGIN: (
        (_P, Channel.WEB),
        {"person": _P, "actor": _P, "actor_role": ActorRole.CITIZEN, "channel": Channel.WEB},
    ),
    Event.LOGIN_REFUSED: (
        (_P, Channel.APP, Reason.NO_EID),
        {
            "person": _P,
            "actor": _P,
            "actor_role": ActorRole.CITIZEN,
            "channel": Channel.APP,
            "reason": Reason.NO_EID,
        },
    ),
    Event.SETTINGS_CHANGED: (
        (_P, _A, ActorRole.CITIZEN, Channel.WEB, 1, 0),
        {
            "person": _P,
            "actor": _A,
            "actor_role": ActorRole.CITIZEN,
            "channel": Channel.WEB,
            "alert_sms": 1,
            "alert_email": 0,
        },
    ),
    Event.SETTINGS_REVIEW_PROMPTED: (
        (_P, Channel.APP),
        {"person": _P, "actor": _P, "actor_role": ActorRole.CITIZEN, "channel": Channel.APP},
    ),
    Event.TURNED_13: ((_P,), {"person": _P, "actor_role": ActorRole.SYSTEM}),
    Event.CASE_STARTED: (
        (_P, _A, ActorRole.GUARDIAN_PROXY, _C, _K, Channel.WEB, Kind.CONTACT_FORM),
        {
            "person": _P,
            "actor": _A,
            "actor_role": ActorRole.GUARDIAN_PROXY,
            "clinic": _C,
            "case": _K,
            "channel": Channel.WEB,
            "kind": Kind.CONTACT_FORM,
        },
    ),
    Event.PROXY_REFUSED: (
        (_P, _A, Channel.APP, Reason.PROTECTED_CHILD),
        {
            "person": _P,
            "actor": _A,
            "actor_role": ActorRole.GUARDIAN_PROXY,
            "channel": Channel.APP,
            "reason": Reason.PROTECTED_CHILD,
        },
    ),
    Event.MESSAGE_SENT: (
        (_P, _C, _S, _K, _M, Kind.MASS_MAILING, 0, 1, 4, NONE),
        {
            "person": _P,
            "actor_role": ActorRole.STAFF,
            "clinic": _C,
            "staff": _S,
            "case": _K,
            "message": _M,
            "kind": Kind.MASS_MAILING,
            "alert_sms": 0,
            "alert_email": 1,
            "campaign": 4,
        },
    ),
    Event.MESSAGE_UNDELIVERABLE: (
        (_P, _C, _S, Kind.MASS_MAILING, Reason.NO_ACTIVE_ACCOUNT, 2),
        {
            "person": _P,
            "actor_role": ActorRole.STAFF,
            "clinic": _C,
            "staff": _S,
            "kind": Kind.MASS_MAILING,
            "reason": Reason.NO_ACTIVE_ACCOUNT,
            "campaign": 2,
        },
    ),
    Event.PAPER_SENT: (
        (_P, _C, _S, NONE, Kind.APPOINTMENT_NOTICE, NONE),
        {
            "person": _P,
            "actor_role": ActorRole.STAFF,
            "clinic": _C,
            "staff": _S,
            "channel": Channel.PAPER,
            "kind": Kind.APPOINTMENT_NOTICE,
        },
    ),
    Event.ALERT_SENT: (
        (_P, _M, Channel.EMAIL, _A),
        {
            "person": _P,
            "actor_role": ActorRole.SYSTEM,
            "message": _M,
            "channel": Channel.EMAIL,
            "recipient": _A,
        },
    ),
    Event.MESSAGE_READ: (
        (_P, _A, ActorRole.GUARDIAN_PROXY, _C, _K, _M, Channel.APP, Kind.REPLY),
        {
            "person": _P,
            "actor": _A,
            "actor_role": ActorRole.GUARDIAN_PROXY,
            "clinic": _C,
            "case": _K,
            "message": _M,
            "channel": Channel.APP,
            "kind": Kind.REPLY,
        },
    ),
    Event.CASE_ASSIGNED: (
        (_P, _C, _S, _K, Kind.PRESCRIPTION_RENEWAL),
        {
            "person": _P,
            "actor_role": ActorRole.STAFF,
            "clinic": _C,
            "staff": _S,
            "case": _K,
            "kind": Kind.PRESCRIPTION_RENEWAL,
        },
    ),
    Event.CASE_ANSWERED: (
        (_P, _C, _S, _K, Kind.CONTACT_FORM, 12.5),
        {
            "person": _P,
            "actor_role": ActorRole.STAFF,
            "clinic": _C,
            "staff": _S,
            "case": _K,
            "kind": Kind.CONTACT_FORM,
            "duration_minutes": 12.5,
        },
    ),
    Event.CASE_CLOSED: (
        (_P, _C, _S, _K, Kind.HEALTH_DECLARATION),
        {
            "person": _P,
            "actor_role": ActorRole.STAFF,
            "clinic": _C,
            "staff": _S,
            "case": _K,
            "kind": Kind.HEALTH_DECLARATION,
        },
    ),
    Event.CITIZEN_REPLIED: (
        (_P, _P, ActorRole.CITIZEN, _C, _K, Channel.WEB, Kind.LOCAL_ESERVICE),
        {
            "person": _P,
            "actor": _P,
            "actor_role": ActorRole.CITIZEN,
            "clinic": _C,
            "case": _K,
            "channel": Channel.WEB,
            "kind": Kind.LOCAL_ESERVICE,
        },
    ),
    Event.FORM_SUBMITTED: (
        (_P, _A, ActorRole.GUARDIAN_PROXY, _C, NONE, _M, Channel.APP, 2),
        {
            "person": _P,
            "actor": _A,
            "actor_role": ActorRole.GUARDIAN_PROXY,
            "clinic": _C,
            "message": _M,
            "channel": Channel.APP,
            "kind": Kind.FORM,
            "form": 2,
        },
    ),
    Event.ATTACHMENT_SENT: (
        (_P, NONE, ActorRole.STAFF, _C, _S, _K, _M, NONE, Kind.REPLY),
        {
            "person": _P,
            "actor_role": ActorRole.STAFF,
            "clinic": _C,
            "staff": _S,
            "case": _K,
            "message": _M,
            "kind": Kind.REPLY,
        },
    ),
    Event.STAFF_CASE_OPENED: (
        (_P, _C, _S, _K, Kind.QUESTION),
        {
            "person": _P,
            "actor_role": ActorRole.STAFF,
            "clinic": _C,
            "staff": _S,
            "case": _K,
            "kind": Kind.QUESTION,
        },
    ),
    Event.CONSENT_RECORDED: (
        (_P, Channel.APP),
        {"person": _P, "actor": _P, "actor_role": ActorRole.CITIZEN, "channel": Channel.APP},
    ),
    Event.PROTECTION_GRANTED: ((_P,), {"person": _P, "actor_role": ActorRole.SYSTEM}),
    Event.PROTECTION_LIFTED: ((_P,), {"person": _P, "actor_role": ActorRole.SYSTEM}),
    Event.GUARDIANSHIP_STARTED: (
        (_P, _A),
        {"person": _P, "actor": _A, "actor_role": ActorRole.SYSTEM},
    ),
    Event.GUARDIANSHIP_ENDED: (
        (_P, _A),
        {"person": _P, "actor": _A, "actor_role": ActorRole.SYSTEM},
    ),
    Event.SHIFT_STARTED: ((_C, _S), {"actor_role": ActorRole.STAFF, "clinic": _C, "staff": _S}),
    Event.SHIFT_ENDED: ((_C, _S), {"actor_role": ActorRole.STAFF, "clinic": _C, "staff": _S}),
    Event.NOTICE_HELD: (
        (_P, _C, _S, _AP, 900.0),
        {
            "person": _P,
            "actor_role": ActorRole.STAFF,
            "clinic": _C,
            "staff": _S,
            "kind": Kind.APPOINTMENT_NOTICE,
            "reason": Reason.NO_ACTIVE_ACCOUNT,
            "appointment": _AP,
            "appointment_minutes": 900.0,
        },
    ),
    Event.NOTICE_DROPPED: (
        (_P, _C, _AP, 900.0, Reason.HOLD_EXPIRED),
        {
            "person": _P,
            "actor_role": ActorRole.SYSTEM,
            "clinic": _C,
            "kind": Kind.APPOINTMENT_NOTICE,
            "reason": Reason.HOLD_EXPIRED,
            "appointment": _AP,
            "appointment_minutes": 900.0,
        },
    ),
    Event.APPOINTMENT_REBOOKED: (
        (_P, _A, ActorRole.GUARDIAN_PROXY, _C, NONE, _M, Channel.APP, _AP, 1900.0, math.nan),
        {
            "person": _P,
            "actor": _A,
            "actor_role": ActorRole.GUARDIAN_PROXY,
            "clinic": _C,
            "message": _M,
            "channel": Channel.APP,
            "kind": Kind.APPOINTMENT_NOTICE,
            "appointment": _AP,
            "appointment_minutes": 1900.0,
        },
    ),
    Event.APPOINTMENT_CANCELLED: (
        (_P, NONE, ActorRole.STAFF, _C, _S, NONE, Channel.PHONE, _AP, 900.0, 5.0),
        {
            "person": _P,
            "actor_role": ActorRole.STAFF,
            "clinic": _C,
            "staff": _S,
            "channel": Channel.PHONE,
            "kind": Kind.APPOINTMENT_NOTICE,
            "appointment": _AP,
            "appointment_minutes": 900.0,
            "duration_minutes": 5.0,
        },
    ),
    Event.VISIT_ATTENDED: (
        (_P, _C, _S, _AP, 900.0),
        {
            "person": _P,
            "actor_role": ActorRole.STAFF,
            "clinic": _C,
            "staff": _S,
            "appointment": _AP,
            "appointment_minutes": 900.0,
        },
    ),
    Event.VISIT_MISSED: (
        (_P, _C, _S, _AP, 900.0),
        {
            "person": _P,
            "actor_role": ActorRole.STAFF,
            "clinic": _C,
            "staff": _S,
            "appointment": _AP,
            "appointment_minutes": 900.0,
        },
    ),
    Event.MASS_MAILING_STARTED: (
        (_C, _S, 3),
        {
            "actor_role": ActorRole.STAFF,
            "clinic": _C,
            "staff": _S,
            "kind": Kind.MASS_MAILING,
            "campaign": 3,
        },
    ),
}


def test_every_event_kind_has_its_recorder() -> None:
    assert set(RECORDERS) == set(Event)
    for event in Event:
        assert callable(getattr(EventLog(EPOCH), event.name.lower()))  # compiled: builtin methods


@pytest.mark.parametrize("event", list(Event), ids=lambda event: event.name.lower())
def test_each_recorder_writes_the_generic_row_of_its_event(event: Event) -> None:
    arguments, columns = RECORDERS[event]
    specialised = EventLog(EPOCH)
    getattr(specialised, event.name.lower())(61.5, *arguments)
    generic = EventLog(EPOCH)
    generic.record(61.5, event, **columns)  # type: ignore[arg-type]
    assert specialised.buffered_bytes == generic.buffered_bytes
    frame = specialised.to_frame()
    assert frame.equals(generic.to_frame())
    assert frame["event"].to_list() == [event.name.lower()]


def test_recorders_interleaved_with_generic_rows_keep_their_sparse_values() -> None:
    rows = _random_rows(400, seed=12)
    log = EventLog(EPOCH)
    expected = EventLog(EPOCH)
    for index, row in enumerate(rows):
        log.record(*row)
        expected.record(*row)
        if index % 3 == 0:
            log.alert_sent(row[0], index, index + 1, Channel.SMS, index % 7)
            expected.record(
                row[0],
                Event.ALERT_SENT,
                index,
                actor_role=ActorRole.SYSTEM,
                message=index + 1,
                channel=Channel.SMS,
                recipient=index % 7,
            )
    assert log.to_frame().equals(expected.to_frame())


def test_dense_rows_cost_the_packed_record_size() -> None:
    log = EventLog(EPOCH)
    for index in range(100):
        log.login(float(index), index, Channel.WEB)
    assert log.buffered_bytes == 100 * ROW_BYTES


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
def test_drain_gives_the_to_frame_frame_and_empties_the_log(chunk_rows: int) -> None:
    rows = _random_rows(700, seed=14) + _alert_rows(50)
    log = _record_generic(rows)
    _assert_drains_to(log, log.to_frame(), chunk_rows, rows[0])


def _assert_drains_to(log: EventLog, expected: pl.DataFrame, chunk_rows: int, row: Row) -> None:
    """Drained, ``log`` gives ``expected`` and is empty; recording starts again at row 0."""
    drained = log.drain_to_frame(chunk_rows=chunk_rows)
    assert drained.schema == EVENT_LOG_SCHEMA
    assert drained.equals(expected)
    assert len(log) == 0
    assert log.buffered_bytes == 0
    log.record(*row)
    assert log.to_frame().equals(_expected_frame([row]))


@pytest.mark.parametrize(
    ("seal_after", "chunk_rows"),
    [((300,), 10_000), ((1, 2, 250, 251, 600), 7), ((100, 200, 300, 400, 500, 600, 700), 64)],
)
def test_sealed_rows_give_the_same_frames(seal_after: tuple[int, ...], chunk_rows: int) -> None:
    """EventLog.seal compresses the rows so far; to_frame, drain and the sparse columns of the
    rows recorded after it (row numbers go on) are those of a log never sealed."""
    rows = _random_rows(700, seed=16) + _alert_rows(50)
    log = EventLog(EPOCH)
    for index, row in enumerate(rows):
        if index in seal_after:
            log.seal()
            assert log.unsealed_rows == 0
            assert len(log) == index
        log.record(*row)
    # Recorders (with their sparse columns) after a seal as well as the generic form.
    log.seal()
    log.login_refused(9_000.0, 3, Channel.WEB, 2)
    log.alert_sent(9_001.0, 4, 5, Channel.SMS, 2)
    reference = _record_generic(rows)
    reference.login_refused(9_000.0, 3, Channel.WEB, 2)
    reference.alert_sent(9_001.0, 4, 5, Channel.SMS, 2)
    expected = reference.to_frame()
    assert len(log) == len(reference) == len(rows) + 2
    assert log.unsealed_rows == 2
    assert log.buffered_bytes > 0
    assert log.to_frame().equals(expected)
    assert copy.deepcopy(log).to_frame().equals(expected)
    _assert_drains_to(log, expected, chunk_rows, rows[0])


def test_sealing_an_empty_or_just_sealed_log_changes_nothing() -> None:
    log = EventLog(EPOCH)
    log.seal()
    assert len(log) == 0
    assert log.to_frame().equals(empty_event_log())
    log.login(1.0, 1, Channel.WEB)
    log.seal()
    size = log.buffered_bytes
    log.seal()
    assert log.buffered_bytes == size
    assert log.drain_to_frame().height == 1


@pytest.mark.parametrize("store_rows", [1, 7, 256, 10_000])
def test_seal_makes_stores_of_at_most_store_rows_rows(store_rows: int) -> None:
    """A seal of many rows is split into stores of ``store_rows`` rows (each one's memory is
    reused for the next); together they are the log's frame, in order."""
    rows = _random_rows(600, seed=18) + _alert_rows(40)
    log = EventLog(EPOCH)
    for index, row in enumerate(rows):
        if index == 100:
            log.seal(store_rows)
        log.record(*row)
    log.seal(store_rows)
    parts = log.drain_sealed()
    heights = [pl.read_ipc(io.BytesIO(part)).height for part in parts]
    assert sum(heights) == len(rows)
    assert max(heights) <= store_rows
    assert len(parts) == -(-100 // store_rows) + -(-(len(rows) - 100) // store_rows)
    assert read_sealed(parts).equals(_record_generic(rows).to_frame())


def test_seal_refuses_stores_of_no_rows_and_changes_nothing() -> None:
    log = EventLog(EPOCH)
    log.login(1.0, 1, Channel.WEB)
    with pytest.raises(ValueError, match="store_rows=0"):
        log.seal(0)
    assert log.unsealed_rows == 1
    assert log.drain_to_frame().height == 1


@pytest.mark.parametrize("seal_after", [(), (1,), (300, 301, 600)])
def test_drain_sealed_hands_over_the_frame_compressed_and_empties_the_log(
    seal_after: tuple[int, ...],
) -> None:
    """What a shard sends back: read_sealed of the parts is the log's frame, any columns of it
    alone are those columns, and the log starts again empty."""
    rows = _random_rows(700, seed=17) + _alert_rows(50)
    log = EventLog(EPOCH)
    for index, row in enumerate(rows):
        if index in seal_after:
            log.seal()
        log.record(*row)
    expected = _record_generic(rows).to_frame()
    parts = log.drain_sealed()
    assert len(parts) == len(seal_after) + 1
    assert len(log) == 0
    assert log.buffered_bytes == 0
    assert read_sealed(parts).equals(expected)
    assert read_sealed(parts, ("recipient", "time")).equals(expected.select("recipient", "time"))
    log.record(*rows[0])
    assert log.to_frame().equals(_expected_frame([rows[0]]))


def test_an_empty_log_drains_to_no_parts_and_reads_as_the_empty_frame() -> None:
    assert EventLog(EPOCH).drain_sealed() == []
    assert read_sealed([]).equals(empty_event_log())
    assert read_sealed([], ["time", "event"]).equals(empty_event_log().select("time", "event"))


def test_empty_log_gives_the_empty_frame() -> None:
    log = EventLog(EPOCH)
    assert log.to_frame().equals(pl.DataFrame(schema=EVENT_LOG_SCHEMA))
    assert log.drain_to_frame().equals(pl.DataFrame(schema=EVENT_LOG_SCHEMA))


@pytest.mark.parametrize("chunk_rows", [0, -3, 2.5])
def test_drain_refuses_a_chunk_size_that_is_not_a_positive_int(chunk_rows: object) -> None:
    log = _record_generic(_random_rows(10, seed=3))
    # The compiled build refuses a float for an int argument itself (TypeError) before the
    # method's own check (ValueError) runs; either way nothing is drained.
    with pytest.raises((ValueError, TypeError), match=r"chunk_rows|int object expected"):
        log.drain_to_frame(chunk_rows=chunk_rows)  # type: ignore[arg-type]
    assert len(log) == 10


def test_out_of_range_code_is_refused_and_nothing_is_written() -> None:
    log = EventLog(EPOCH)
    with pytest.raises(ValueError, match=r"does not fit its column"):
        log.record(0.0, Event.LOGIN, channel=300, reason=Reason.NO_EID)
    with pytest.raises(ValueError, match=r"does not fit its column"):
        log.login_refused(0.0, 2**40, Channel.WEB, Reason.NO_EID)
    assert len(log) == 0
    assert log.buffered_bytes == 0


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


def test_draining_while_a_profiler_holds_the_frames() -> None:
    # Dask's workers sample every thread's stack (sys._current_frames) all the time; a frame
    # held past its call keeps its locals, so a numpy view of the buffer left in a local made
    # the drain's resize fail with BufferError in nearly every drain (issue 19).
    stop = threading.Event()
    held: list[object] = []
    main = threading.get_ident()

    def sample() -> None:
        while not stop.is_set():
            held.append(sys._current_frames().get(main))
            del held[:-20]
            time.sleep(0.0005)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        for seed in range(40):
            rows = _random_rows(2_000, seed=seed)
            log = _record_generic(rows)
            assert log.drain_to_frame(chunk_rows=300).equals(_expected_frame(rows))
            assert len(log) == 0
    finally:
        stop.set()
        sampler.join()
