"""The whole user path, timed as a user sees it: one process per run, start to exit.

``python -m benchmarks.cli_path FILE [FILE ...] [--repeat 3] [--tools toolkit,duckdb,pandas]
[--before DIR]``

* ``toolkit``: ``python -m toolkit kpis FILE --format json`` (load with the quality report, then
  every core KPI; the loader's lazy plan, :mod:`toolkit.io.lazy`);
* ``toolkit-spec``: the same with ``--metrics`` and the 15 SPEC keys, the work DuckDB and pandas
  do (plus the quality report);
* ``toolkit-before``: the same command run from another checkout (``--before DIR``, e.g. a
  ``git archive`` of an older commit) to measure a change;
* ``duckdb``: ``python -m benchmarks.engines duckdb FILE`` (hand-written SQL, ``read_parquet`` /
  typed ``read_csv``);
* ``pandas``: ``python -m benchmarks.engines pandas FILE`` (a straightforward pandas script).

Each command runs ``--repeat`` times, interleaved (tool A, B, C, then again), so a load spike
on a shared machine hits every tool alike; the table shows the median wall time (process start
to exit, imports included), the median CPU time (user + system of the child) and the median
peak RSS of the child (``ru_maxrss`` from ``os.wait4``), with the 1-minute load average at the
end of each run (a busy machine inflates wall times, not CPU times). Prints a Markdown table
(ratios to DuckDB and pandas' wall time over this tool's); the rows are also appended to
``benchmarks/data/cli_path.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["command", "main", "measure"]

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "data" / "cli_path.jsonl"


def command(tool: str, path: Path, before: Path | None = None) -> tuple[list[str], Path]:
    """The command line and working directory of one tool on one file."""
    py = sys.executable
    if tool == "toolkit":
        return [py, "-m", "toolkit", "kpis", str(path), "--format", "json", "--quiet"], ROOT
    if tool == "toolkit-spec":  # the same work as the peers: the 15 SPEC keys, with the quality report
        from toolkit.core.metrics import CORE_KEYS

        keys = [k for k in CORE_KEYS if k != "sla_target_s"]
        return [py, "-m", "toolkit", "kpis", str(path), "--format", "json", "--quiet", "--metrics", *keys], ROOT
    if tool == "toolkit-before":
        if before is None:
            raise SystemExit("toolkit-before needs --before DIR")
        return [py, "-m", "toolkit", "kpis", str(path), "--format", "json", "--quiet"], before
    if tool in ("duckdb", "pandas"):
        return [py, "-m", "benchmarks.engines", tool, str(path)], ROOT
    raise SystemExit(f"unknown tool {tool!r}: toolkit, toolkit-spec, toolkit-before, duckdb, pandas")


def measure(cmd: list[str], cwd: Path) -> dict[str, float]:
    """Run ``cmd`` once: wall seconds, CPU seconds (user + system), peak RSS in MB."""
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{err[-2000:]}")
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_mb": usage.ru_maxrss / 1024,
            "load_avg": os.getloadavg()[0]}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tools", default="toolkit,duckdb,pandas")
    parser.add_argument("--before", type=Path, default=None)
    args = parser.parse_args(argv)
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    rows = []
    for path in args.files:
        runs: dict[str, list[dict[str, float]]] = {t: [] for t in tools}
        for _ in range(args.repeat):
            for tool in tools:
                cmd, cwd = command(tool, path.resolve(), args.before)
                runs[tool].append(measure(cmd, cwd))
                print(f"{path.name} {tool}: {runs[tool][-1]}", file=sys.stderr, flush=True)
        for tool in tools:
            keys = ("wall_s", "cpu_s", "peak_mb", "load_avg")
            med = {k: statistics.median(r[k] for r in runs[tool]) for k in keys}
            rows.append({"file": str(path), "tool": tool, "repeat": args.repeat, **med,
                         "when": time.strftime("%Y-%m-%d %H:%M:%S")})
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a") as fh:
        for r in rows:
            fh.write(json.dumps(r) + "\n")
    print(f"load average (1 min) during the runs: {min(r['load_avg'] for r in rows):.1f}-"
          f"{max(r['load_avg'] for r in rows):.1f}; {os.cpu_count()} CPUs")
    print("| file | tool | wall (median) | CPU user+sys | peak RSS | wall vs duckdb | peak vs duckdb "
          "| pandas wall / this |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        def ref(tool: str, r: dict = r) -> dict | None:
            return next((x for x in rows if x["file"] == r["file"] and x["tool"] == tool), None)

        duck, pandas = ref("duckdb"), ref("pandas")
        ratio = f"{r['wall_s'] / duck['wall_s']:.2f}x" if duck else "-"
        mem = f"{r['peak_mb'] / duck['peak_mb']:.2f}x" if duck else "-"
        speedup = f"{pandas['wall_s'] / r['wall_s']:.1f}x" if pandas else "-"
        print(f"| {Path(r['file']).parent.name}/{Path(r['file']).name} | {r['tool']} | {r['wall_s']:.2f} s | "
              f"{r['cpu_s']:.2f} s | {r['peak_mb']:.0f} MB | {ratio} | {mem} | {speedup} |")


if __name__ == "__main__":
    main()
