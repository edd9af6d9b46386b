"""The package installs with what it needs: a build backend, dependencies, every data file, py.typed.

Checked statically here (a build needs the network for the build backend); the full check is
`pip install .` in a fresh environment, then `import toolkit` from another folder.
"""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_build_backend_and_dependencies():
    assert PYPROJECT["build-system"]["build-backend"] == "setuptools.build_meta"
    deps = {d.split(">")[0].split("=")[0].strip().lower() for d in PYPROJECT["project"]["dependencies"]}
    assert {"polars", "numpy", "scipy", "holidays", "vadersentiment", "babel"} <= deps
    assert "streamlit" not in deps  # the toolkit never imports streamlit


def test_every_runtime_dependency_is_in_requirements():
    lines = (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
    required = {line.split(">")[0].split("=")[0].strip().lower() for line in lines if line and not line.startswith("#")}
    for dep in PYPROJECT["project"]["dependencies"]:
        assert dep.split(">")[0].strip().lower() in required, dep


def test_every_data_file_under_toolkit_is_packaged():
    patterns = PYPROJECT["tool"]["setuptools"]["package-data"]["*"]
    data = [
        p for p in (ROOT / "toolkit").rglob("*")
        if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts
    ]
    assert ROOT / "toolkit" / "py.typed" in data
    unpackaged = [str(p.relative_to(ROOT)) for p in data if not any(fnmatch.fnmatch(p.name, pat) for pat in patterns)]
    assert not unpackaged, f"add a package-data pattern in pyproject.toml for {unpackaged}"


def test_every_subpackage_is_found():
    include = PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "toolkit").rglob("__init__.py")}
    assert packages and all(any(fnmatch.fnmatch(pkg, pat) for pat in include) for pkg in packages)


def test_no_sys_path_edits_in_tests_or_notebooks():
    offenders = [
        str(p.relative_to(ROOT))
        for folder in ("tests", "notebooks")
        for p in (ROOT / folder).glob("*.py")
        if p.name != Path(__file__).name and "sys.path.insert" in p.read_text(encoding="utf-8")
    ]
    assert not offenders, offenders
