"""Plugins: metrics a researcher writes appear in kpis without touching the toolkit."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

import toolkit
from toolkit import plugins
from toolkit.core import metrics as metrics_module
from toolkit.plugins import PluginError, load_plugins

EXAMPLE = Path(__file__).resolve().parents[1] / "notebooks" / "my_metrics.py"


@pytest.fixture(autouse=True)
def clean_registry(tmp_path: Path) -> Iterator[None]:
    """Plugins register globally: restore the registry and forget plugin modules afterwards."""
    saved = dict(metrics_module._REGISTRY)
    modules = set(sys.modules)
    files = dict(plugins._FILE_MODULES)
    # Start from no plugin file imported: another test in this worker (the app's) may have
    # imported the example and then restored the registry without its metrics.
    plugins._FILE_MODULES.clear()
    yield
    metrics_module._REGISTRY.clear()
    metrics_module._REGISTRY.update(saved)
    for name in set(sys.modules) - modules:
        file = getattr(sys.modules[name], "__file__", None) or ""
        # only the plugins imported here; toolkit modules imported lazily meanwhile stay
        if name.startswith("toolkit_plugin") or file.startswith(str(tmp_path)):
            del sys.modules[name]
    plugins._FILE_MODULES.clear()
    plugins._FILE_MODULES.update(files)


def _messages() -> pl.DataFrame:
    t0 = dt.datetime(2025, 1, 6, 9, tzinfo=dt.UTC)
    minutes = [0, 1, 2, 10, 30, 31, 200]
    return pl.DataFrame(
        {
            "row_nr": list(range(1, 8)),
            "message_id": [f"m{i}" for i in range(7)],
            "conversation_id": ["a", "a", "a", "a", "b", "b", "c"],
            "created_at": [t0 + dt.timedelta(minutes=m) for m in minutes],
            "direction": ["inbound", "inbound", "inbound", "outbound", "inbound", "outbound", "inbound"],
            "channel": ["chat", "chat", "chat", "chat", "email", "email", "email"],
            "customer_id": ["u1", "u1", "u1", None, "u2", None, "u3"],
            "agent_id": [None, None, None, "A1", None, "A2", None],
            "is_bot": [False] * 7,
        }
    )


def _write_plugin(folder: Path, name: str, metric: str) -> Path:
    path = folder / name
    path.write_text(
        textwrap.dedent(
            f"""
            import polars as pl
            from toolkit.core.metrics import Metric, register_metric
            register_metric(Metric("{metric}", "turns", "share",
                                   value=pl.col("inbound_messages") >= 3), replace=True)
            """
        ),
        encoding="utf-8",
    )
    return path


def test_env_var_module_name(tmp_path: Path) -> None:
    _write_plugin(tmp_path, "team_metrics.py", "long_turns")
    loaded = load_plugins(env={"TOOLKIT_PLUGINS": "team_metrics"}, cwd=tmp_path)
    assert loaded == ["team_metrics"]
    row = toolkit.kpis(_messages())
    assert row["long_turns"].to_list() == [pytest.approx(1 / 3)]
    assert str(tmp_path) not in sys.path  # the import does not leave the folder on sys.path


def test_env_var_file_path_and_several_entries(tmp_path: Path) -> None:
    _write_plugin(tmp_path, "one.py", "metric_one")
    _write_plugin(tmp_path, "two.py", "metric_two")
    load_plugins(env={"TOOLKIT_PLUGINS": f"one.py, {tmp_path / 'two.py'}"}, cwd=tmp_path)
    assert {"metric_one", "metric_two"} <= set(toolkit.metric_registry())


def test_a_file_in_the_working_directory_is_never_loaded_implicitly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only what the operator names runs: a ``toolkit_plugins.py`` lying in the folder is ignored."""
    marker = tmp_path / "ran"
    (tmp_path / "toolkit_plugins.py").write_text(f"open({str(marker)!r}, 'w').write('pwned')\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TOOLKIT_PLUGINS", raising=False)
    assert load_plugins() == []
    assert not marker.exists()
    # The command line started in that folder does not run it either.
    log = tmp_path / "log.csv"
    log.write_text("conversation_id,created_at,direction\nc1,2025-03-03T09:00:00Z,inbound\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "TOOLKIT_PLUGINS"}
    env["PYTHONPATH"] = str(Path(toolkit.__file__).resolve().parents[1])
    out = subprocess.run([sys.executable, "-m", "toolkit", "kpis", str(log), "--quiet"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    assert not marker.exists()
    # Named by the operator, the same file loads.
    _write_plugin(tmp_path, "toolkit_plugins.py", "local_metric")
    assert load_plugins(env={"TOOLKIT_PLUGINS": "toolkit_plugins.py"}) == ["toolkit_plugins.py"]
    assert "local_metric" in toolkit.kpis(_messages()).columns


def test_loading_twice_runs_a_plugin_once(tmp_path: Path) -> None:
    path = tmp_path / "counted.py"
    path.write_text("import builtins\nbuiltins._plugin_runs = getattr(builtins, '_plugin_runs', 0) + 1\n")
    import builtins

    for _ in range(3):
        load_plugins(env={"TOOLKIT_PLUGINS": str(path)}, cwd=tmp_path)
    assert builtins._plugin_runs == 1  # type: ignore[attr-defined]
    del builtins._plugin_runs  # type: ignore[attr-defined]


def test_a_broken_plugin_warns_and_the_others_load(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("raise RuntimeError('oops')\n")
    _write_plugin(tmp_path, "fine.py", "fine_metric")
    with pytest.warns(UserWarning, match=r"plugin 'broken.py'.*RuntimeError: oops"):
        loaded = load_plugins(env={"TOOLKIT_PLUGINS": "broken.py,fine.py"}, cwd=tmp_path)
    assert loaded == ["fine.py"]
    assert "fine_metric" in toolkit.metric_registry()


def test_strict_raises(tmp_path: Path) -> None:
    with pytest.raises(PluginError, match="no_such_module"):
        load_plugins(env={"TOOLKIT_PLUGINS": "no_such_module"}, cwd=tmp_path, strict=True)


def test_nothing_to_load(tmp_path: Path) -> None:
    assert load_plugins(env={}, cwd=tmp_path) == []


def test_example_plugin_metrics_in_kpis_by_channel() -> None:
    load_plugins(env={"TOOLKIT_PLUGINS": str(EXAMPLE)}, strict=True)
    by_channel = toolkit.kpis(_messages(), by="channel").sort("channel")
    # chat: one turn of 3 messages answered after 10 min. email: b answered after 1 min; c has
    # waited 0 min when the data ends (it is the last message): undecided, left out.
    assert by_channel["answered_within_15min"].to_list() == [1.0, 1.0]
    assert by_channel["turns_3plus_messages"].to_list() == [1.0, 0.0]
