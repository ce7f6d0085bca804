"""A Dask scheduler's address, checked before anything connects, and asked who it is.

Pipeline position: before the Dask backend of both parallel paths; a leaf of the package. The
experiment runner (:mod:`etj_sim.experiments.runner`, ``run_experiment(..., backend="dask",
address=...)``) and the sharded run (:mod:`etj_sim.simulation.shards`, ``simulate(...,
backend="dask", address=...)``) check the address's spelling at once and ask the scheduler to
answer within a timeout before they do any work, so a wrong address costs seconds and leaves
nothing behind. This module imports nothing of the package: the simulation imports it, and the
runner imports the simulation.
"""

from __future__ import annotations

import asyncio
import importlib
import re
import threading
from typing import Any, Final

__all__ = [
    "DASK_SCHEMES",
    "DASK_TIMEOUT_SECONDS",
    "LOCAL_DASHBOARD_ADDRESS",
    "DaskConnectionError",
    "check_dask_address",
    "check_dask_timeout",
    "distributed_module",
    "probe_scheduler",
]

DASK_TIMEOUT_SECONDS: Final = 10.0
"""How long a Dask scheduler has to answer before the call gives up (``dask_timeout``)."""

LOCAL_DASHBOARD_ADDRESS: Final = "127.0.0.1:0"
"""Where a ``LocalCluster`` made by etj_sim serves Dask's HTTP pages: a free loopback port only.
``dashboard_address=None`` does not switch the server off (dask/distributed#8136, open): it took
the default port 8787 on every interface, or warned when a user's own cluster held it."""

DASK_SCHEMES: Final = ("tcp", "tls", "ws", "wss", "ucx", "inproc")
_ADDRESS: Final = re.compile(
    r"^(?:(?P<scheme>[a-z]+)://)?(?P<host>\[[0-9a-fA-F:.]+\]|[^:/\s]+):(?P<port>\d+)$"
)


def check_dask_address(address: str) -> None:
    """Raise ``ValueError`` unless ``address`` reads as a scheduler address (``tcp://host:8786``).

    Only the spelling is checked (scheme, host, port 1-65535), before anything connects.
    """
    if not isinstance(address, str):
        raise ValueError(f"a Dask scheduler address is a string, got {address!r}")
    if address.startswith("inproc://") and len(address) > len("inproc://"):
        return  # an in-process scheduler's address has no port
    match = _ADDRESS.match(address.strip())
    scheme = match.group("scheme") if match else None
    if match is None or (scheme is not None and scheme not in DASK_SCHEMES):
        raise ValueError(
            f"{address!r} is not a Dask scheduler address; give SCHEME://HOST:PORT, e.g. "
            f"tcp://scheduler:8786 (schemes: {', '.join(DASK_SCHEMES)})"
        )
    port = int(match.group("port"))
    if not 0 < port < 65536:
        raise ValueError(f"{address!r}: the port must be from 1 to 65535, got {port}")


def check_dask_timeout(timeout: object) -> float:
    """``timeout`` as a float, or ``ValueError`` unless it is a positive, finite number."""
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, int | float)
        or not 0 < timeout < float("inf")
    ):
        raise ValueError(f"dask_timeout must be a positive number of seconds, got {timeout!r}")
    return float(timeout)


class DaskConnectionError(ConnectionError):
    """No Dask scheduler answered at the address within the timeout."""


def distributed_module() -> Any:
    """``dask.distributed``, or an ``ImportError`` that says how to install it."""
    try:
        # Untyped library: held as Any rather than silencing each call.
        return importlib.import_module("distributed")
    except ImportError as error:  # pragma: no cover - dask is an optional dependency
        raise ImportError(
            "the 'dask' backend needs dask.distributed: pip install 'etj_sim[dask]'"
        ) from error


async def _identity(distributed: Any, address: str, timeout: float) -> None:
    security = distributed.security.Security()
    comm = await distributed.comm.connect(
        address, timeout=timeout, **security.get_connection_args("client")
    )
    try:
        await comm.write({"op": "identity", "reply": True})
        reply = await comm.read()
    finally:
        comm.abort()
    if not isinstance(reply, dict) or reply.get("type") != "Scheduler":
        raise DaskConnectionError(f"{address} answered, but not as a Dask scheduler: {reply!r}")


def probe_scheduler(address: str, timeout: float) -> None:
    """Ask the scheduler at ``address`` who it is, giving up after ``timeout`` seconds whatever
    happens; raises :class:`DaskConnectionError` saying why.

    ``Client(address, timeout=...)`` bounds the connection, not the handshake: a listener that
    accepts and never answers would hold it forever. The probe runs on its own event loop in a
    thread (a notebook's loop may be running in this one).
    """
    distributed = distributed_module()
    failure: list[BaseException] = []

    def probe() -> None:
        try:
            asyncio.run(asyncio.wait_for(_identity(distributed, address, timeout), timeout))
        except BaseException as error:
            failure.append(error)

    thread = threading.Thread(target=probe, name="etj-sim-dask-probe", daemon=True)
    thread.start()
    thread.join(timeout + 5.0)
    if thread.is_alive():
        failure.append(TimeoutError())
    if failure:
        error = failure[0]
        if isinstance(error, DaskConnectionError):
            raise error
        detail = str(error) or type(error).__name__
        if isinstance(error, TimeoutError | asyncio.TimeoutError):
            detail = "no answer (a refused port, a firewall, or a listener that is not Dask)"
        raise DaskConnectionError(
            f"no Dask scheduler answered at {address} within {timeout:g} s: {detail}. "
            "Check the address and that the scheduler runs, or use a LocalCluster "
            "(--dask local on the command line, no address in Python); nothing was written"
        ) from None
