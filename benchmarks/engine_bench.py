"""``toolkit.kpis`` on one canonical Parquet log, per engine, each run in its own process.

``python -m benchmarks.engine_bench FILE --runs polars,duckdb:2GB,spark:local[2] [--code DIR]``

Each run is a child process (``python -m benchmarks.engine_bench --child ENGINE FILE``) whose own
peak RSS the parent reads with ``os.wait4`` (``ru_maxrss``); wall time is the child's
read + compute time; the CPU time is the child's user + system. ``--code DIR`` runs the polars
engine on another checkout of the toolkit (e.g. the commit before a change): before/after on the
same file in the same invocation. Spark runs in a JVM beside the child: its CPU time and peak
RSS are read from ``/proc`` before the session stops (``jvm_cpu_seconds``, ``jvm_peak_rss_mb``).
Each result line also carries the load average before and after the run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def child(engine: str, path: str, option: str | None) -> None:
    import warnings

    import polars as pl

    import toolkit

    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if engine == "polars":
            out = toolkit.kpis(pl.scan_parquet(path)).collect()
        elif engine == "duckdb":
            out = toolkit.kpis(path, engine="duckdb", memory_limit=option)
        else:
            out = toolkit.kpis(path, engine="spark", spark_master=option or "local[*]")
    seconds = time.perf_counter() - t0
    jvm = _jvm_usage() if engine == "spark" else {}
    row = out.row(0, named=True)
    shown = ("inbound_messages", "turns", "frt_median_s", "art_p90_s", "sla_compliance", "resolution_rate", "fcr_rate")
    print(json.dumps({"seconds": seconds, "keys": len(out.columns), "kpis": {k: row.get(k) for k in shown}, **jvm}))


def _jvm_usage() -> dict:
    """The Spark JVM's own CPU time and peak RSS, read from /proc before it stops (it is a
    separate process: the child's rusage does not include it)."""
    from pyspark import SparkContext

    gateway = getattr(SparkContext, "_gateway", None)
    proc = getattr(gateway, "proc", None)
    if proc is None:
        return {}
    try:
        status = Path(f"/proc/{proc.pid}/status").read_text()
        fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return {}
    hwm_kb = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return {"jvm_cpu_seconds": round(cpu, 1), "jvm_peak_rss_mb": round(hwm_kb / 1024)}


def run(engine: str, path: str, option: str | None, code: Path | None) -> dict:
    cmd = [sys.executable, "-m", "benchmarks.engine_bench", "--child", engine, path]
    if option:
        cmd += ["--option", option]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(code or ROOT), str(ROOT)])
    load_before = _loadavg()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=code or ROOT, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    out = proc.stdout.read().decode() if proc.stdout else ""
    err = proc.stderr.read().decode() if proc.stderr else ""
    if status != 0:
        return {"engine": engine, "error": err.strip().splitlines()[-1:] or ["failed"]}
    result = json.loads(out.strip().splitlines()[-1])
    return {
        "engine": engine, "option": option, "code": str(code or "this checkout"),
        "seconds": round(result["seconds"], 2), "process_seconds": round(wall, 2),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024) if engine != "spark" else None,
        "keys": result["keys"], "kpis": result["kpis"],
        **{k: result[k] for k in ("jvm_cpu_seconds", "jvm_peak_rss_mb") if k in result},
        "loadavg_before": load_before, "loadavg_after": _loadavg(),
    }


def _loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("--runs", default="polars,duckdb")
    parser.add_argument("--code", type=Path, default=None, help="another checkout for polars@before")
    parser.add_argument("--child", default=None)
    parser.add_argument("--option", default=None)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.file, args.option)
        return
    for item in args.runs.split(","):
        name, _, option = item.partition(":")
        code = None
        if name == "polars@before":
            name, code = "polars", args.code
        result = run(name, args.file, option or None, code)
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
