"""The tour notebook as a teacher meets it: it runs top to bottom, shows the displays (never a
raw enum or dataclass repr), and its HTML opens in headless Chromium without console errors.

Pipeline position: the last stage's users (``domain -> display -> notebooks``). The notebook is
executed once per module with nbclient in this interpreter's kernel (as tests/test_notebooks.py
does), with the small-size switch on; the stored file stays output-free (tested there).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient
from nbconvert import HTMLExporter

NOTEBOOK_FOLDER = Path(__file__).resolve().parents[2] / "notebooks"
TOUR = NOTEBOOK_FOLDER / "01_tour_of_1177.ipynb"

RAW_ENUM = re.compile(r"<(ActorRole|Kind|Channel|Reason|CaseState|TemplateKind|QuestionType|EID)\.")
RAW_VIEW = re.compile(
    r"\b(MessageView|CaseView|CaseEntry|SettingsView|AlertChoices|RecordView|ReadStatus|StaffCase|"
    r"Attachment|MassMailingResult|Template|Form|Question)\("
)


@pytest.fixture(scope="module")
def executed() -> Any:
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("ETJ_SIM_NOTEBOOK_SMALL", "1")
    try:
        notebook = nbformat.read(TOUR, as_version=4)  # type: ignore[no-untyped-call]
        NotebookClient(
            notebook,
            timeout=240,
            kernel_name="python3",
            resources={"metadata": {"path": str(NOTEBOOK_FOLDER)}},
            allow_errors=False,
        ).execute()
    finally:
        monkeypatch.undo()
    return notebook


def _outputs(notebook: Any) -> list[tuple[int, str, str]]:
    """(cell index, mime type or 'stream', text) of every output."""
    found = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        for output in cell.outputs:
            if output.output_type == "stream":
                found.append((index, "stream", output.text))
            for mime, value in output.get("data", {}).items():
                if mime.startswith("text/"):
                    found.append((index, mime, value if isinstance(value, str) else "".join(value)))
    return found


def test_tour_outputs_hold_no_raw_enum_or_dataclass_reprs(executed: Any) -> None:
    outputs = _outputs(executed)
    assert len(outputs) > 40
    bad = [
        (index, mime, text[:200])
        for index, mime, text in outputs
        if RAW_ENUM.search(text) or RAW_VIEW.search(text)
    ]
    assert bad == []


def test_tour_shows_each_display_with_names_and_rule_ids(executed: Any) -> None:
    html = "\n".join(text for _, mime, text in _outputs(executed) if mime == "text/html")
    for expected in (
        "Inbox of Lisa Andersson, opened by Anna Andersson as guardian (ombud)",
        "prescription renewal at Vårdcentralen Exempelstad",
        "inhalator.jpg",
        "Staff tool, Skicka ärende (R20)",
        "Health record system (R6)",
        "Du har ett meddelande i e-tjänsterna på 1177.",
        "Nytt meddelande i e-tjänsterna på 1177",
        "by Anna Andersson, guardian by proxy (ombud)",
        "allergies: <b>nej</b>",
        "Timeline of Anna Andersson, Lisa Andersson, Oskar Andersson",
    ):
        assert expected in html
    for rule in ("R1", "R2", "R3", "R5", "R7", "R10", "R12", "R15", "R17", "F3", "D2"):
        assert f"<b>{rule}" in html or f", {rule}" in html


@pytest.fixture(scope="module")
def tour_html(executed: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    # The basic template is the notebook's body without any script from a CDN (no network).
    body, _ = HTMLExporter(template_name="basic").from_notebook_node(executed)
    page = tmp_path_factory.mktemp("tour") / "tour.html"
    page.write_text(
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Tour of 1177</title></head><body>{body}</body></html>",
        encoding="utf-8",
    )
    return page


def test_tour_html_opens_in_chromium_without_console_errors(browser: Any, tour_html: Path) -> None:
    # ``browser`` is pytest-playwright's, launching Debian's Chromium (tests/conftest.py): one
    # Playwright per test process, as the dashboard's and the report's browser tests share it.
    errors: list[str] = []
    outside: list[str] = []
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    try:
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on(
            "request",
            lambda r: outside.append(r.url) if not r.url.startswith(("file:", "data:")) else None,
        )
        page.goto(tour_html.as_uri())
        page.wait_for_load_state("load")
        tables = page.evaluate("document.querySelectorAll('.etj-sim-display table').length")
        text = page.inner_text("body")
    finally:
        page.close()
    assert errors == []
    assert outside == []
    assert tables > 20
    assert "Karin Lund: one citizen, three views" in text
