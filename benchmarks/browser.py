"""A Streamlit server of this app for browser benchmarks, and the memory it uses.

Shared by ``benchmarks.upload_memory`` (one big upload) and ``benchmarks.load_test`` (20
sessions at once): start ``streamlit run app.py`` on a free localhost port with its own data
folder, wait until it answers, sample its memory (``VmRSS``, and the kernel's peak ``VmHWM``) and
CPU time from ``/proc`` while a benchmark drives it with Playwright, and stop it.

Chromium: ``$CHROMIUM`` or ``/usr/bin/chromium`` (headless, no sandbox, no GPU), else the one
Playwright installs (``playwright install chromium``).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["CHROMIUM_ARGS", "Server", "chromium_path", "load_average", "proc_memory"]

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu"]


def chromium_path() -> str | None:
    """The Chromium to drive (None: let Playwright use its own)."""
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def load_average() -> str:
    """``/proc/loadavg``'s three load averages (1, 5, 15 min)."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def proc_memory(pid: int) -> dict[str, float]:
    """``VmRSS`` and ``VmHWM`` (peak) of a process in MB, and its CPU seconds (user + system)."""
    out: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) / 1024
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    out["cpu_s"] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """``streamlit run app.py [-- ARG]`` in ``app_dir`` with a fresh data folder."""

    app_dir: Path = ROOT
    argument: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    data_dir: Path | None = None
    log: Path | None = None
    samples: list[tuple[float, float]] = field(default_factory=list)  # (time, RSS MB)
    _stop: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        self.port = self.port or _free_port()
        self.data_dir = Path(tempfile.mkdtemp(prefix="bench-store-"))
        self.log = self.data_dir.parent / f"{self.data_dir.name}.log"
        cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(self.port),
               "--server.address", "127.0.0.1", "--server.headless", "true",
               "--server.maxUploadSize", "2048", "--browser.gatherUsageStats", "false"]
        if self.argument:
            cmd += ["--", self.argument]
        env = {**os.environ, "TOOLKIT_DATA_DIR": str(self.data_dir), **self.env}
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(cmd, cwd=self.app_dir, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.__exit__(None, None, None)
                raise RuntimeError(f"the server did not start; see {self.log}")
            time.sleep(0.3)
        threading.Thread(target=self._sample, daemon=True).start()
        return self

    def _sample(self) -> None:
        while not self._stop.is_set() and self.proc is not None and self.proc.poll() is None:
            try:
                self.samples.append((time.monotonic(), proc_memory(self.proc.pid)["VmRSS"]))
            except OSError:
                return
            self._stop.wait(0.2)

    def memory(self) -> dict[str, float]:
        """RSS now, peak RSS so far (the kernel's VmHWM) and CPU seconds, of the server."""
        assert self.proc is not None
        return proc_memory(self.proc.pid)

    def errors(self) -> list[str]:
        """Tracebacks and errors the server logged."""
        text = self.log.read_text(errors="replace") if self.log and self.log.exists() else ""
        return [line for line in text.splitlines() if "Traceback" in line or "Error" in line.split(":")[0]]

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.data_dir is not None:
            shutil.rmtree(self.data_dir, ignore_errors=True)
