"""``etj-sim app``: its arguments, the loopback default, bad input refused before serving.

Pipeline position: the outermost layer (``etj_sim.app.command``, registered in ``etj_sim.cli``).
Serving itself is tested in a real browser (tests/app/test_dashboard_browser.py).
"""

from __future__ import annotations

import pytest

from etj_sim.app.command import DEFAULT_HOST, PAGE_MODULE, solara_arguments
from etj_sim.cli import build_parser, main


def test_defaults_bind_loopback_and_open_no_browser() -> None:
    arguments = build_parser().parse_args(["app"])
    assert (arguments.host, arguments.open) == (DEFAULT_HOST, False)
    assert DEFAULT_HOST == "127.0.0.1"
    assert solara_arguments(arguments.host, arguments.port, arguments.open) == [
        PAGE_MODULE,
        "--host",
        "127.0.0.1",
        "--port",
        str(arguments.port),
        "--production",
        "--no-check-version",
        "--no-open",
    ]
    assert "--open" in solara_arguments("127.0.0.1", 8000, True)


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["app", "--port", "70000"], "--port"),
        (["app", "--port", "-1"], "--port"),
        (["app", "--host", "example.org"], "--host"),
        (["app", "--host", "127.0.0.1; rm"], "--host"),
    ],
)
def test_bad_port_or_host_is_refused_with_status_2(
    argv: list[str], named: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    assert named in capsys.readouterr().err


def test_port_must_be_a_number(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["app", "--port", "eighty"]) == 2
    assert "--port" in capsys.readouterr().err
