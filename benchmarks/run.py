"""Run the benchmark: the toolkit against pandas and DuckDB SQL, on the same generated files.

``python -m benchmarks.run --sizes 1M,10M [--formats parquet,csv] [--repeat 3]``

For every size the generator's files are made if missing (``benchmarks/data/<size>/``), then each
engine runs in its own process (``python -m benchmarks.engines ...``) so that its peak memory is
its own: the parent waits for it with ``os.wait4`` and reads that child's ``ru_maxrss``. Wall time
is measured inside the child around read + KPIs (interpreter and library imports excluded); with
``--repeat N`` the best of N runs is kept (the machine may be shared), memory is the largest.
The toolkit also runs with a business-hours calendar (``mon-fri 09:00-18:00`` Europe/Paris).

All engines must give the same KPIs (relative tolerance 1e-9: float sums differ in the last bits);
a disagreement is printed and makes the exit code 1. Results are appended as JSON lines to
``benchmarks/data/results.jsonl`` and printed as a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.generate import DEFAULT_DIR, generate, parse_size, size_label

__all__ = ["Result", "agree", "machine", "main", "run_engine"]

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Result:
    engine: str  # toolkit | toolkit+bh | pandas | duckdb
    size: int
    fmt: str  # parquet | csv
    seconds: float | None = None  # best of the repeats; None when it failed
    all_seconds: list[float] = field(default_factory=list)
    peak_rss_mb: float | None = None
    total_seconds: float | None = None  # the process, imports included
    cpu_seconds: float | None = None  # user + system CPU of the process (best of the repeats)
    kpis: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


def run_engine(engine: str, path: Path, *, business_hours: bool = False, timeout: float = 3600,
               extra: list[str] | None = None) -> tuple[dict[str, Any], float, float, float]:
    """Run one engine in a child process.

    Returns (its JSON, peak RSS in MB, process wall seconds, process CPU seconds user + system).
    """
    cmd = [sys.executable, "-m", "benchmarks.engines", engine, str(path), *(extra or [])]
    if business_hours:
        cmd.append("--business-hours")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=ROOT, env=env)
        deadline = t0 + timeout
        while True:  # os.wait4 gives this child's own rusage (ru_maxrss in KiB on Linux)
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        total = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            tail = err.read().strip().splitlines()[-5:]
            msg = f"{engine} failed (exit {proc.returncode}): " + " | ".join(tail)
            raise RuntimeError(msg)
        data = json.loads(out.read().strip().splitlines()[-1])
    peak_mb = usage.ru_maxrss / 1024 if sys.platform != "darwin" else usage.ru_maxrss / 2**20
    return data, peak_mb, total, usage.ru_utime + usage.ru_stime


def agree(a: dict[str, Any], b: dict[str, Any], keys: list[str] | tuple[str, ...], rel: float = 1e-9) -> list[str]:
    """The keys whose values differ (floats: relative tolerance ``rel``)."""
    bad = []
    for k in keys:
        x, y = a.get(k), b.get(k)
        if x is None or y is None:
            if x is not y:
                bad.append(k)
        elif isinstance(x, float) or isinstance(y, float):
            if not math.isclose(float(x), float(y), rel_tol=rel, abs_tol=1e-9):
                bad.append(k)
        elif x != y:
            bad.append(k)
    return bad


def machine() -> dict[str, str]:
    """nproc, RAM, CPU model and versions, for the results page."""
    info = {"python": platform.python_version(), "os": platform.platform(), "nproc": str(os.cpu_count())}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["ram_gb"] = f"{int(line.split()[1]) / 2**20:.1f}"
                break
    except OSError:
        pass
    for mod in ("polars", "pandas", "duckdb", "numpy", "pyarrow"):
        try:
            info[mod] = __import__(mod).__version__
        except ImportError:
            info[mod] = "absent"
    return info


def markdown(results: list[Result]) -> str:
    from benchmarks.engines import KEYS

    lines = [
        "| size | format | engine | read + KPIs (s) | vs toolkit | process CPU (s) | peak RSS (MB) | equal |",
        "|---|---|---|---:|---:|---:|---:|---|",
    ]
    by_case: dict[tuple[int, str], dict[str, Result]] = {}
    for r in results:
        by_case.setdefault((r.size, r.fmt), {})[r.engine] = r
    for (size, fmt), engines in by_case.items():
        base = engines.get("toolkit")
        for name, r in engines.items():
            if r.seconds is None:
                lines.append(f"| {size_label(size)} | {fmt} | {name} | failed: {r.error} | | | | |")
                continue
            ratio = f"{r.seconds / base.seconds:.2f}x" if base and base.seconds else ""
            if name.endswith("+bh"):
                eq = "(bh keys)"
            elif base and base.kpis and name != "toolkit":
                eq = "yes" if not agree(base.kpis, r.kpis, KEYS) else "NO"
            else:
                eq = ""
            lines.append(
                f"| {size_label(size)} | {fmt} | {name} | {r.seconds:.2f} | {ratio} | {r.cpu_seconds:.1f} "
                f"| {r.peak_rss_mb:,.0f} | {eq} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from benchmarks.engines import KEYS

    parser = argparse.ArgumentParser(description="Toolkit vs pandas vs DuckDB on generated logs.")
    parser.add_argument("--sizes", default="1M,10M")
    parser.add_argument("--formats", default="parquet,csv")
    parser.add_argument("--engines", default="toolkit,toolkit+bh,duckdb,pandas")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--data", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("--skip", default="", help="engine@size@fmt to skip, comma-separated (e.g. pandas@100M@parquet)")
    parser.add_argument("--results", type=Path, default=None, help="JSON lines file (default: DATA/results.jsonl)")
    args = parser.parse_args(argv)

    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    results_path = args.results or args.data / "results.jsonl"
    results: list[Result] = []
    ok = True
    print(json.dumps(machine()))
    for text in args.sizes.split(","):
        n = parse_size(text)
        t0 = time.perf_counter()
        folder = generate(n, args.data, seed=args.seed, csv="csv" in formats)
        print(f"# {size_label(n)}: data in {folder} ({time.perf_counter() - t0:.1f} s)", flush=True)
        for fmt in formats:
            path = folder / f"messages.{fmt}"
            reference: Result | None = None
            for engine in engines:
                if f"{engine}@{size_label(n)}@{fmt}" in skip:
                    continue
                r = Result(engine=engine, size=n, fmt=fmt)
                name, bh = (engine[:-3], True) if engine.endswith("+bh") else (engine, False)
                extra: list[str] = []
                if name.endswith("-inmem"):  # toolkit on polars' in-memory engine
                    name, extra = name[: -len("-inmem")], ["--in-memory"]
                if name.endswith("-proposed"):  # toolkit with benchmarks/proposed.py applied
                    name, extra = name[: -len("-proposed")], [*extra, "--proposed"]
                try:
                    for _ in range(args.repeat):
                        data, peak, total, cpu = run_engine(name, path, business_hours=bh, timeout=args.timeout,
                                                       extra=extra)
                        r.all_seconds.append(data["seconds"])
                        r.peak_rss_mb = max(r.peak_rss_mb or 0.0, peak)
                        r.total_seconds = total
                        r.cpu_seconds = min(r.cpu_seconds or math.inf, cpu)
                        r.kpis = data["kpis"]
                    r.seconds = min(r.all_seconds)
                except (RuntimeError, ValueError) as exc:
                    r.error = str(exc)[:300]
                    ok = False
                if r.kpis and not bh:
                    if reference is None:
                        reference = r
                    else:
                        bad = agree(reference.kpis, r.kpis, KEYS)
                        if bad:
                            ok = False
                            print(f"  DISAGREE {engine} vs {reference.engine}: "
                                  + ", ".join(f"{k}={r.kpis.get(k)!r}/{reference.kpis.get(k)!r}" for k in bad))
                print(f"  {size_label(n):>5} {fmt:8} {engine:11} "
                      + (f"{r.seconds:8.2f} s {r.cpu_seconds:8.1f} s CPU {r.peak_rss_mb:9,.0f} MB"
                         if r.seconds is not None else f"FAILED {r.error}"),
                      flush=True)
                results.append(r)
                with results_path.open("a") as fh:
                    fh.write(json.dumps({"at": time.strftime("%Y-%m-%dT%H:%M:%S"), **asdict(r)}) + "\n")
    print()
    print(markdown(results))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
