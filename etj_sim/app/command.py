"""``etj-sim app``: serve the planner's dashboard on this machine.

Pipeline position: the outermost layer, for a shell, like the rest of ``etj_sim.cli``; it serves
:mod:`etj_sim.app.page` with Solara's own server (``solara run``) in production mode:

    etj-sim app [--port N] [--host 127.0.0.1] [--open] [--lang sv|en] [--size PRESET]
                [--replications N]

The page binds the loopback interface unless ``--host`` says otherwise, opens a browser only
with ``--open``, and makes no request outside this machine: Solara's page assets come from the
``solara-assets`` package, its usage telemetry is switched off, its version check (a request
to PyPI) and its installation check (a request to solara.dev, made outside production mode) are
not run.
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import threading
from typing import IO, Any, Final

from etj_sim.app.planning import DEFAULT_REPLICATIONS, SIZE_PRESETS, warm_up
from etj_sim.i18n import LANGUAGES

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "PAGE_MODULE",
    "PAGE_SETTINGS",
    "add_app_parser",
    "serve",
    "solara_arguments",
]

DEFAULT_HOST: Final = "127.0.0.1"
DEFAULT_PORT: Final = 8765
PAGE_MODULE: Final = "etj_sim.app.page"

EXIT_OK: Final = 0
EXIT_BAD_INPUT: Final = 2

PAGE_SETTINGS: Final = {
    "lang": "ETJ_SIM_APP_LANG",
    "size": "ETJ_SIM_APP_SIZE",
    "replications": "ETJ_SIM_APP_REPLICATIONS",
}
"""The environment variables through which ``etj-sim app`` hands its options to the page."""

OFFLINE_ENVIRONMENT: Final = {"SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}
"""Set before Solara is imported: its settings read the environment once, at import."""


def add_app_parser(commands: Any) -> None:
    """Add ``app`` to the ``etj-sim`` subcommands (``commands`` is argparse's subparsers)."""
    app = commands.add_parser(
        "app",
        help="serve the planner's dashboard in the browser",
        description=(
            "Serve the planner's dashboard (levers, runs, charts, downloads) on this machine. "
            "It listens on 127.0.0.1 unless --host says otherwise; Ctrl-C stops it."
        ),
    )
    app.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        metavar="N",
        help=f"port to listen on (default {DEFAULT_PORT}; 0: any free port)",
    )
    app.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"address to listen on (default {DEFAULT_HOST}: this machine only)",
    )
    app.add_argument("--open", action="store_true", help="open the page in the default browser")
    app.add_argument(
        "--lang", choices=LANGUAGES, default="sv", help="the page's first language (default sv)"
    )
    app.add_argument(
        "--size",
        choices=list(SIZE_PRESETS),
        default="town",
        help="the first size preset (default town: 20,000 people, 60 days)",
    )
    app.add_argument(
        "--replications",
        type=int,
        default=DEFAULT_REPLICATIONS,
        metavar="N",
        help=f"paired replications behind the intervals (default {DEFAULT_REPLICATIONS})",
    )
    app.set_defaults(handler=serve)


def _bad_input(arguments: argparse.Namespace) -> str | None:
    if arguments.replications < 0:
        return f"--replications: {arguments.replications} is below 0"
    if not 0 <= arguments.port <= 65535:
        return f"--port: {arguments.port} is not a port number (0-65535)"
    host: str = arguments.host
    if host != "localhost":
        try:
            ipaddress.ip_address(host)
        except ValueError:
            return f"--host: {host!r} is not an IP address (e.g. 127.0.0.1) or 'localhost'"
    return None


def solara_arguments(host: str, port: int, open_browser: bool) -> list[str]:
    """The arguments of ``solara run`` that serve the dashboard as ``etj-sim app`` does."""
    return [
        PAGE_MODULE,
        "--host",
        host,
        "--port",
        str(port),
        "--production",
        "--no-check-version",
        "--open" if open_browser else "--no-open",
    ]


def serve(arguments: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    """Serve the dashboard until interrupted; exit status 2 for a bad ``--port`` or ``--host``."""
    problem = _bad_input(arguments)
    if problem is not None:
        print(f"etj-sim app: {problem}", file=err)
        return EXIT_BAD_INPUT
    loopback = arguments.host == "localhost" or ipaddress.ip_address(arguments.host).is_loopback
    if not loopback:
        print(
            f"etj-sim app: serving on {arguments.host}: other machines can reach the page",
            file=err,
        )
    # The page's runs, one line each, beside the server's own log.
    handler = logging.StreamHandler(err)
    handler.setFormatter(logging.Formatter("%(asctime)s etj_sim.app: %(message)s"))
    log = logging.getLogger("etj_sim.app")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    os.environ.update(OFFLINE_ENVIRONMENT)
    threading.Thread(target=warm_up, name="etj-sim app warm-up", daemon=True).start()
    # The page module reads its first settings from here (solara run imports it by name).
    os.environ[PAGE_SETTINGS["lang"]] = arguments.lang
    os.environ[PAGE_SETTINGS["size"]] = arguments.size
    os.environ[PAGE_SETTINGS["replications"]] = str(arguments.replications)
    import solara.__main__
    import solara.server.settings

    # In case Solara was imported before the environment was set (e.g. by a test).
    solara.server.settings.telemetry.mixpanel_enable = False
    solara.__main__.run.main(
        solara_arguments(arguments.host, arguments.port, arguments.open),
        prog_name="etj-sim app",
        standalone_mode=False,
    )
    return EXIT_OK
