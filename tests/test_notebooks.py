"""The notebooks: paired with their py:percent scripts, stored without outputs, and they run.

Each notebook is executed top to bottom in a ``python3`` kernel with ``notebooks/`` as the working
directory, as ``jupyter nbconvert --execute`` does. The kernel must be this interpreter (the
project's virtual environment): jupyter_client starts the ``python3`` kernelspec with
``sys.executable``, which ``test_kernel_is_this_python`` checks.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import jupytext
import nbformat
import pytest
from nbconvert.preprocessors import ExecutePreprocessor

from toolkit.sample import notebook_data
from toolkit.sample.notebook_data import resolve_data_path

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
IPYNB = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
SCRIPTS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))
CELL_TIMEOUT_S = 120
#: The issue's minimum set, by number.
REQUIRED = ("01", "02", "03", "04", "05", "06", "07")


def _cells(nb: nbformat.NotebookNode) -> list[tuple[str, str]]:
    return [(c.cell_type, c.source.strip()) for c in nb.cells]


def test_the_required_notebooks_exist() -> None:
    numbers = {p.name[:2] for p in IPYNB}
    assert set(REQUIRED) <= numbers, f"missing notebooks: {sorted(set(REQUIRED) - numbers)}"


def test_jupytext_pairs_ipynb_with_py_percent() -> None:
    config = (NOTEBOOKS / "jupytext.toml").read_text(encoding="utf-8")
    assert 'formats = "ipynb,py:percent"' in config


def test_every_notebook_has_its_script_and_back() -> None:
    assert {p.stem for p in IPYNB} == {p.stem for p in SCRIPTS}


@pytest.mark.parametrize("ipynb", IPYNB, ids=lambda p: p.stem)
def test_pair_in_sync(ipynb: Path) -> None:
    script = ipynb.with_suffix(".py")
    from_script = jupytext.read(script, fmt="py:percent")
    stored = nbformat.read(ipynb, as_version=4)
    assert _cells(from_script) == _cells(stored), (
        f"{ipynb.name} and {script.name} differ; run `.venv/bin/jupytext --sync {script}` "
        "(the newer file wins)"
    )


@pytest.mark.parametrize("ipynb", IPYNB, ids=lambda p: p.stem)
def test_stored_without_outputs(ipynb: Path) -> None:
    nb = nbformat.read(ipynb, as_version=4)
    dirty = [
        i
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and (c.get("outputs") or c.get("execution_count") is not None)
    ]
    assert not dirty, (
        f"{ipynb.name}: cells {dirty} hold outputs; run "
        f"`.venv/bin/jupyter nbconvert --clear-output --inplace notebooks/{ipynb.name}`"
    )
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"


@pytest.fixture(autouse=True)
def _kernel_imports_this_checkout(monkeypatch: pytest.MonkeyPatch) -> None:
    """The kernel (started from ``notebooks/``) imports this checkout's toolkit.

    Users get ``toolkit`` from the editable install in requirements.txt (``-e .``); the tests
    point the kernel at the checkout under test instead, so a worktree never tests another
    copy. The notebooks themselves never edit ``sys.path``.
    """
    root = str(NOTEBOOKS.parent)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p))


def _execute(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    ep = ExecutePreprocessor(timeout=CELL_TIMEOUT_S, kernel_name="python3")
    ep.preprocess(nb, {"metadata": {"path": str(NOTEBOOKS)}})
    return nb


def test_kernel_is_this_python() -> None:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import sys; print(sys.executable)")])
    out = _execute(nb).cells[0].outputs[0]["text"].strip()
    assert Path(out).resolve() == Path(sys.executable).resolve()


@pytest.mark.parametrize("ipynb", IPYNB, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom(ipynb: Path) -> None:
    nb = nbformat.read(ipynb, as_version=4)
    started = time.perf_counter()
    _execute(nb)
    elapsed = time.perf_counter() - started
    errors = [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.get("output_type") == "error"
    ]
    assert not errors
    # Every notebook draws at least one chart and ends with computed conclusions (printed text).
    # altair's default renderer emits text/html embedding vega-lite (the notebook frontend's
    # renderer emits the vegalite mimetype instead); either is a chart.
    data = [o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    charts = [d for d in data if any("vegalite" in m for m in d) or "vegaEmbed" in str(d.get("text/html", ""))]
    assert charts, f"{ipynb.name} shows no altair chart"
    last_code = [c for c in nb.cells if c.cell_type == "code"][-1]
    assert any(o.get("name") == "stdout" and o.get("text", "").strip() for o in last_code.outputs), (
        f"{ipynb.name} should end by printing what the numbers say"
    )
    assert elapsed < 60, f"{ipynb.name} took {elapsed:.0f} s; keep notebooks fast"


# --- the data fallback rule --------------------------------------------------------------------


def test_user_file_wins(tmp_path: Path) -> None:
    f = tmp_path / "twcs.csv"
    f.write_text("tweet_id\n1\n", encoding="utf-8")
    path, description = resolve_data_path(str(f))
    assert path == f
    assert "pointed at" in description


def test_env_var_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "full.csv"
    f.write_text("x\n", encoding="utf-8")
    monkeypatch.setenv("TOOLKIT_DATA", str(f))
    assert resolve_data_path(None)[0] == f


def test_missing_file_falls_back_and_says_so(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    excerpt = tmp_path / "twcs_head.csv"
    excerpt.write_text("x\n", encoding="utf-8")
    monkeypatch.setattr(notebook_data, "TWCS_EXCERPT", excerpt)
    path, description = resolve_data_path(tmp_path / "nope.csv")
    assert path == excerpt
    assert "nope.csv was not found" in description
    assert "Kaggle" in description


def test_without_real_data_the_sample_is_used(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    sample = tmp_path / "sample.csv"
    sample.write_text("x\n", encoding="utf-8")
    monkeypatch.delenv("TOOLKIT_DATA", raising=False)
    monkeypatch.setattr(notebook_data, "TWCS_EXCERPT", tmp_path / "absent.csv")
    monkeypatch.setattr(notebook_data, "SAMPLE_PATH", sample)
    path, description = resolve_data_path(None)
    assert path == sample
    assert "SYNTHETIC" in description


def test_nothing_at_all_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("TOOLKIT_DATA", raising=False)
    monkeypatch.setattr(notebook_data, "TWCS_EXCERPT", tmp_path / "a.csv")
    monkeypatch.setattr(notebook_data, "SAMPLE_PATH", tmp_path / "b.csv")
    with pytest.raises(FileNotFoundError, match="No data found"):
        resolve_data_path(None)


def test_nothing_from_shared_is_copied_into_the_project() -> None:
    root = NOTEBOOKS.parent
    for name in ("twcs_head.csv", "twcs.csv", "twcs_sample.csv", "twcs_random.csv"):
        assert not list(root.glob(f"notebooks/**/{name}")), f"{name} copied into notebooks/"
