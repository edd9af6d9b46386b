"""The README's first lines are the two set-up commands, and CI runs the second one verbatim."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _readme_commands() -> list[str]:
    lines = ROOT.joinpath("README.md").read_text(encoding="utf-8").splitlines()
    start = lines.index("```bash") + 1
    return lines[start : start + 2]


def test_readme_opens_with_the_app_and_the_test_command():
    app, tests = _readme_commands()
    assert "pip install -r requirements.txt" in app and app.endswith("streamlit run app.py")
    # The tests also need pyspark (requirements-dev.txt includes requirements.txt).
    assert "pip install -r requirements-dev.txt" in tests and "pytest" in tests
    dev = ROOT.joinpath("requirements-dev.txt").read_text(encoding="utf-8").splitlines()
    assert "-r requirements.txt" in dev and any(line.startswith("pyspark") for line in dev)


def test_ci_installs_java_for_the_spark_tests():
    assert "openjdk-17-jre-headless" in ROOT.joinpath(".ci", "run").read_text(encoding="utf-8")


def test_ci_runs_the_readme_test_command_verbatim():
    _, tests = _readme_commands()
    ci = ROOT.joinpath(".ci", "run").read_text(encoding="utf-8").splitlines()
    assert tests in ci
