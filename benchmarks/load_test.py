"""Under load: concurrent browser sessions on a big dataset, time to a rendered page, server memory.

``python -m benchmarks.load_test [FILE] [--sessions 20] [--pages overview,response-times,agents]``

Starts the app on ``FILE`` (``streamlit run app.py -- FILE``; default
``/work/benchdata/1M/messages.parquet``, generate it with ``python -m benchmarks.generate``), opens
it once to warm the caches (the first visitor loads the file into the store and builds its
tables), then runs ``--sessions`` browser sessions at once (one headless Chromium, one context
each, all on localhost). Each session opens every page of ``--pages`` in turn by its address (a
new Streamlit session each time, as a manager opening links does) and times it from the request
until the page is rendered: its title (``h1``) and its first KPI card (``stMetric``) are visible
and the app no longer shows it running. Prints one JSON line: p50/p95/max seconds over all page
loads, the number of errors (an exception box on a page, a timeout, a traceback in the server
log), the server's peak resident memory (the kernel's ``VmHWM``), its memory at the end, its CPU
seconds and the load average. Exits 1 on any error. Run it under the heavy-run lock:
``flock /work/benchdata/.lock python -m benchmarks.load_test``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from pathlib import Path

from benchmarks.browser import CHROMIUM_ARGS, Server, chromium_path, load_average

DEFAULT_FILE = Path("/work/benchdata/1M/messages.parquet")
TIMEOUT_MS = 10 * 60 * 1000
BUSY = ("() => !document.querySelector('[data-testid=\"stSkeleton\"], [data-testid=\"stStatusWidget\"] button, "
        ".stSpinner')")


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..100) of a non-empty list.

    >>> percentile([1.0, 2.0, 3.0, 4.0], 95), percentile([5.0], 50)
    (4.0, 5.0)
    """
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))  # ceil
    return ordered[int(rank) - 1]


async def _open(context: object, url: str) -> tuple[float, str | None]:
    """Seconds until ``url`` is rendered in a new tab of ``context``, and an error if any."""
    page = await context.new_page()  # type: ignore[attr-defined]
    t0 = time.perf_counter()
    try:
        await page.goto(url, timeout=TIMEOUT_MS)
        await page.locator("h1").first.wait_for(state="visible", timeout=TIMEOUT_MS)
        await page.locator("[data-testid='stMetric']").first.wait_for(state="visible", timeout=TIMEOUT_MS)
        # Still running? Streamlit shows its stop button, skeletons or spinners until it is done.
        await page.wait_for_function(BUSY, timeout=TIMEOUT_MS)
        seconds = time.perf_counter() - t0
        error = None
        if await page.locator("[data-testid='stException']").count():
            error = f"exception on {url}"
    except Exception as exc:  # a timeout or a crashed tab is a failed page load
        seconds, error = time.perf_counter() - t0, f"{url}: {type(exc).__name__}: {str(exc).splitlines()[0]}"
    finally:
        await page.close()
    return seconds, error


async def _session(browser: object, urls: list[str]) -> list[tuple[float, str | None]]:
    context = await browser.new_context()  # type: ignore[attr-defined]
    try:
        return [await _open(context, url) for url in urls]
    finally:
        await context.close()


async def _run(server: Server, sessions: int, pages: list[str]) -> dict[str, object]:
    from playwright.async_api import async_playwright

    urls = [f"{server.url}/{'' if p in ('', 'overview') else p}" for p in pages]
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            warm = await _session(browser, urls)
            mem_warm = server.memory()
            t0 = time.perf_counter()
            results = await asyncio.gather(*(_session(browser, urls) for _ in range(sessions)))
            wall = time.perf_counter() - t0
        finally:
            await browser.close()
    times = [s for session in results for s, _ in session]
    errors = [e for session in [warm, *results] for _, e in session if e]
    mem = server.memory()
    return {
        "sessions": sessions, "pages": pages, "page_loads": len(times),
        "warmup_s": [round(s, 1) for s, _ in warm],
        "p50_s": round(statistics.median(times), 2), "p95_s": round(percentile(times, 95), 2),
        "max_s": round(max(times), 2), "wall_s": round(wall, 1),
        "rss_warm_mb": round(mem_warm["VmRSS"]), "peak_rss_mb": round(mem["VmHWM"]),
        "rss_end_mb": round(mem["VmRSS"]), "server_cpu_s": round(mem["cpu_s"], 1),
        "errors": errors[:10], "n_errors": len(errors),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path, nargs="?", default=DEFAULT_FILE)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--pages", default="overview,response-times,agents",
                        help="comma-separated page addresses (overview is '/'), pages showing KPI cards")
    args = parser.parse_args(argv)
    if not args.file.is_file():
        parser.error(f"{args.file} does not exist: python -m benchmarks.generate --sizes 1M --out /work/benchdata")
    load_before = load_average()
    with Server(argument=str(args.file.resolve())) as server:
        result = asyncio.run(_run(server, args.sessions, [p.strip() for p in args.pages.split(",") if p.strip()]))
        server_errors = server.errors()
    result |= {"file": str(args.file), "load_before": load_before, "load_after": load_average(),
               "server_errors": server_errors[:5]}
    result["n_errors"] = int(result["n_errors"]) + len(server_errors)  # type: ignore[call-overload]
    print(json.dumps(result))
    return 1 if result["n_errors"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
