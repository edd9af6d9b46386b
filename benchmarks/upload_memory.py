"""Server memory for one big upload through a real browser (issue 17).

``python -m benchmarks.upload_memory FILE [--app-dir DIR] [--label NAME]``

Starts the app (``benchmarks.browser.Server``), opens the Data page in headless Chromium, puts
``FILE`` in the "Message log" uploader (Playwright ``set_input_files``: the browser sends it the
way a person's would), waits until the file is parsed ("Use this data" appears), clicks it and
waits for the Overview's figures. Prints, as one JSON line, the server's resident memory at each
step and its peak (the kernel's ``VmHWM``), its CPU seconds and the load average. ``--app-dir``
runs another checkout of the app (e.g. an older commit unpacked with ``git archive``) to compare.
Run it under the heavy-run lock: ``flock /work/benchdata/.lock python -m benchmarks.upload_memory ...``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from benchmarks.browser import CHROMIUM_ARGS, ROOT, Server, chromium_path, load_average

TIMEOUT_MS = 30 * 60 * 1000


def measure(path: Path, app_dir: Path = ROOT, label: str = "") -> dict[str, object]:
    from playwright.sync_api import sync_playwright

    out: dict[str, object] = {"label": label, "file": str(path), "file_mb": round(path.stat().st_size / 1e6, 1),
                              "load_before": load_average()}
    with Server(app_dir=app_dir) as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{server.url}/data", timeout=TIMEOUT_MS)
            page.locator(".st-key-upload_file input[type=file]").wait_for(state="attached", timeout=TIMEOUT_MS)
            time.sleep(1)
            out["idle_rss_mb"] = round(server.memory()["VmRSS"])
            t0 = time.perf_counter()
            page.locator(".st-key-upload_file input[type=file]").set_input_files(str(path), timeout=TIMEOUT_MS)
            page.locator(".st-key-upload_use button").wait_for(state="visible", timeout=TIMEOUT_MS)
            mem = server.memory()
            out |= {"parsed_s": round(time.perf_counter() - t0, 1), "parsed_rss_mb": round(mem["VmRSS"]),
                    "parsed_peak_mb": round(mem["VmHWM"])}
            t1 = time.perf_counter()
            page.locator(".st-key-upload_use button").click()
            page.locator("h1", has_text="Overview").wait_for(state="visible", timeout=TIMEOUT_MS)
            page.locator("[data-testid='stMetric']").first.wait_for(state="visible", timeout=TIMEOUT_MS)
            mem = server.memory()
            out |= {"stored_s": round(time.perf_counter() - t1, 1), "overview_rss_mb": round(mem["VmRSS"]),
                    "peak_mb": round(mem["VmHWM"]), "server_cpu_s": round(mem["cpu_s"], 1)}
            time.sleep(10)
            out["rss_after_10s_mb"] = round(server.memory()["VmRSS"])
            out["exceptions_on_page"] = page.locator("[data-testid='stException']").count()
        finally:
            browser.close()
        out["server_errors"] = server.errors()[:5]
    out["load_after"] = load_average()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--app-dir", type=Path, default=ROOT, help="checkout of the app to run (default: this one)")
    parser.add_argument("--label", default="")
    args = parser.parse_args(argv)
    result = measure(args.file, args.app_dir.resolve(), args.label)
    print(json.dumps(result))
    return 1 if result.get("exceptions_on_page") or result.get("server_errors") else 0


if __name__ == "__main__":
    raise SystemExit(main())
