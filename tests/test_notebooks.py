"""The notebooks in ``notebooks/`` run top to bottom in a fresh kernel and are stored clean.

Pipeline position: the last stage's users. ``scenario -> ... -> metrics -> charts -> notebooks``;
the notebooks call only the public API, so executing them is an end-to-end test of the whole
pipeline as planners, researchers and teachers meet it.

Each notebook is executed with nbclient in a kernel running this test's own interpreter (the
venv's), with ``ETJ_SIM_NOTEBOOK_SMALL=1`` (every notebook then shrinks its populations, durations
and replications), ``ETJ_SIM_NOTEBOOK_OUT`` pointing at a temporary folder (files a notebook
writes go there, not into the checkout) and ``notebooks/`` as the working directory, as in
JupyterLab. A failing
cell fails the test with the cell's traceback. The stored files must have no outputs and no
execution counts (outputs are stripped in git) and must open with a markdown cell that says what
the notebook shows and for whom.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any

import nbformat
import pytest
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

NOTEBOOK_FOLDER = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_FOLDER.glob("*.ipynb"))
EXPECTED_NOTEBOOKS = (
    "01_tour_of_1177.ipynb",
    "02_planner_scenarios.ipynb",
    "03_research_workbook.ipynb",
    "04_children_and_proxies.ipynb",
)
CELL_TIMEOUT_SECONDS = 240
"""Per cell; generous because two notebooks may run at once on a shared two-core machine."""

SMALL_SWITCH = "ETJ_SIM_NOTEBOOK_SMALL"
OUT_FOLDER_VARIABLE = "ETJ_SIM_NOTEBOOK_OUT"
"""Where notebooks write files (reports); the tests point it at a temporary folder."""


# nbformat has no type hints; these two helpers keep the untyped calls in one place.
def _read(path: Path) -> Any:
    return nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]


def _notebook_of(*sources: str) -> Any:
    """An in-memory notebook with one code cell per source."""
    notebook = nbformat.v4.new_notebook()  # type: ignore[no-untyped-call]
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in sources]  # type: ignore[no-untyped-call]
    return notebook


@contextmanager
def _client(notebook: Any) -> Iterator[NotebookClient]:
    """A client whose kernel talks over Unix sockets in a folder of its own, shut down after.

    The kernel's five TCP ports would be picked by binding and releasing them
    (jupyter/jupyter_client#487): another process of the suite (a second kernel under
    pytest-xdist, a Dask cluster, Chromium) can take one before the kernel binds it. With the
    "ipc" transport the channels are socket files under a folder of this kernel's own: no ports
    to race for. (The stall itself came from the kernel: see
    test_the_kernel_has_the_shell_channel_fix.)
    """
    folder = Path(tempfile.mkdtemp(prefix="etj-kernel-"))  # short: socket paths max ~100 bytes
    # kernel_name "python3" with argv "python ..." is started by jupyter_client as
    # sys.executable, i.e. this interpreter: test_kernel_runs_this_interpreter checks it.
    manager = KernelManager(kernel_name="python3", transport="ipc", ip=str(folder / "kernel"))
    client = NotebookClient(
        notebook,
        km=manager,
        timeout=CELL_TIMEOUT_SECONDS,
        resources={"metadata": {"path": str(NOTEBOOK_FOLDER)}},
        allow_errors=False,
    )
    try:
        yield client
    finally:
        # The client did not make this manager, so it leaves the kernel running: stop it here.
        if manager.has_kernel:
            manager.shutdown_kernel(now=True)
        manager.cleanup_resources()
        shutil.rmtree(folder, ignore_errors=True)


def test_the_kernel_has_the_shell_channel_fix() -> None:
    # ipykernel 7.0-7.3 send shell replies raw on the ROUTER socket that a ZMQStream also reads;
    # the send can swallow the stream's wake-up, so an execute_request that arrives then is
    # never read: the kernel sits idle and the client waits for its reply until the cell
    # timeout (240 s here, the "about four minutes" stall). Fixed in 7.4 (ipykernel#1529).
    version = tuple(int(part) for part in metadata.version("ipykernel").split(".")[:2])
    assert not (7, 0) <= version < (7, 4), f"ipykernel {version} drops shell requests"


def test_the_four_notebooks_are_present() -> None:
    assert [path.name for path in NOTEBOOKS] == list(EXPECTED_NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_notebook_is_stored_without_outputs(path: Path) -> None:
    notebook = _read(path)
    nbformat.validate(notebook)
    dirty = [
        index
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)
    ]
    assert not dirty, f"{path.name}: cells {dirty} have outputs or execution counts; strip them"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_notebook_opens_with_markdown_and_reads_the_small_switch(path: Path) -> None:
    notebook = _read(path)
    assert notebook.cells, f"{path.name} is empty"
    first = notebook.cells[0]
    assert first.cell_type == "markdown", f"{path.name}: the first cell must be markdown"
    assert first.source.lstrip().startswith("#"), f"{path.name}: the first cell needs a title"
    first_code = next(cell for cell in notebook.cells if cell.cell_type == "code")
    assert SMALL_SWITCH in first_code.source, (
        f"{path.name}: the first code cell must read {SMALL_SWITCH} so the tests run it small"
    )


@pytest.mark.slow
def test_kernel_runs_this_interpreter() -> None:
    notebook = _notebook_of("import os, sys\nprint(sys.prefix)\nprint(os.getcwd())")
    with _client(notebook) as client:
        client.execute()
    printed = notebook.cells[0].outputs[0]["text"].splitlines()
    assert printed == [sys.prefix, str(NOTEBOOK_FOLDER)]


@pytest.mark.slow
def test_a_failing_cell_fails_the_run() -> None:
    notebook = _notebook_of("raise RuntimeError('cell 1 failed')", "print('never reached')")
    with _client(notebook) as client, pytest.raises(CellExecutionError, match="cell 1 failed"):
        client.execute()
    assert notebook.cells[1].outputs == []


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(
    path: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(SMALL_SWITCH, "1")
    monkeypatch.setenv(OUT_FOLDER_VARIABLE, str(tmp_path))
    notebook = _read(path)
    files_before = sorted(NOTEBOOK_FOLDER.iterdir())
    with _client(notebook) as client:
        client.execute()
    # The working folder is the checkout's notebooks/: a run must not leave files there.
    assert sorted(NOTEBOOK_FOLDER.iterdir()) == files_before
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(cell.execution_count is not None for cell in code_cells)
    errors = [
        output
        for cell in code_cells
        for output in cell.outputs
        if output.get("output_type") == "error"
    ]
    assert errors == []
