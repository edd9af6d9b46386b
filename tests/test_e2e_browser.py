"""End to end in a real headless Chromium: upload, KPIs, filter, copy link, same numbers elsewhere.

Starts ``streamlit run app.py`` on a free port of 127.0.0.1 with a temporary data directory and
drives Debian's ``/usr/bin/chromium`` with Playwright (never a downloaded browser). Skips when
Chromium or Playwright is absent (CI installs ``chromium`` with apt-get).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).parents[1]
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} not installed (apt-get install chromium)")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (python) not installed")
pypdf = pytest.importorskip("pypdf", reason="pypdf reads the PDF report back (requirements.txt)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    env = dict(os.environ, TOOLKIT_DATA_DIR=str(tmp_path_factory.mktemp("e2e_data")))
    log = tmp_path_factory.mktemp("e2e_log") / "server.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(150):
                try:
                    urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
                    break
                except OSError:
                    time.sleep(0.2)
            else:
                pytest.fail(f"streamlit did not start: {log.read_text()[-2000:]}")
            yield url
        finally:
            proc.terminate()
            proc.wait(timeout=20)


def _settle(page: object, quiet_checks: int = 4) -> None:
    """Wait until the app has finished its rerun (no running indicator, no skeletons)."""
    quiet = 0
    for _ in range(240):
        busy = page.evaluate(  # type: ignore[attr-defined]
            "() => !!document.querySelector('[data-testid=\"stSkeleton\"], [data-testid=\"stStatusWidget\"] button, .stSpinner')"
        )
        quiet = 0 if busy else quiet + 1
        if quiet >= quiet_checks:
            return
        time.sleep(0.25)


def _kpis(page: object) -> dict[str, str]:
    page.get_by_text("Inbound messages", exact=True).first.wait_for(timeout=60_000)  # type: ignore[attr-defined]
    _settle(page)
    labels = page.locator('[data-testid="stMetricLabel"]').all_inner_texts()  # type: ignore[attr-defined]
    values = page.locator('[data-testid="stMetricValue"]').all_inner_texts()  # type: ignore[attr-defined]
    return {label.strip(): value.strip() for label, value in zip(labels, values, strict=True)}


def test_upload_filter_share_link(server: str, tmp_path: Path) -> None:
    sample = pl.read_csv(ROOT / "sample_data" / "sample_messages.csv", infer_schema_length=0).head(4000)
    upload = tmp_path / "support_log.csv"
    sample.write_csv(upload)

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            analyst = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = analyst.new_page()
            page.goto(f"{server}/data")
            # A page opened by its path probes for the server's base path first: slow on a loaded machine.
            page.locator('input[type="file"]').first.wait_for(state="attached", timeout=180_000)
            page.locator('input[type="file"]').first.set_input_files(str(upload))
            page.get_by_role("button", name="Use this data").click(timeout=90_000)
            before = _kpis(page)
            assert before["Inbound messages"] not in ("", "–")

            # Filter: one channel, in the sidebar.
            sidebar = page.locator('[data-testid="stSidebar"]')
            sidebar.locator('[data-testid="stMultiSelect"]').first.click()
            page.get_by_role("option", name="twitter").click()
            page.keyboard.press("Escape")
            page.wait_for_url("**channels=twitter**", timeout=30_000)
            after = _kpis(page)
            assert after["Inbound messages"] != before["Inbound messages"]

            page.get_by_role("button", name="Copy link").click()
            link = page.locator('[data-testid="stPopoverBody"] code').first.inner_text().strip()
            assert "ds=" in link and "channels=twitter" in link

            manager = browser.new_context(viewport={"width": 1400, "height": 1000})
            shared = manager.new_page()
            shared.goto(link)
            assert _kpis(shared) == after
            shared.get_by_text("read-only").first.wait_for(timeout=30_000)
            # The one-page report of this view carries the same numbers.
            with shared.expect_download(timeout=60_000) as download:
                shared.get_by_role("button", name="One-page report (HTML)").click()
            html = Path(download.value.path()).read_text()
            assert after["Inbound messages"] in html and "<svg" in html and "Channel: twitter" in html
            # ... and so does its PDF: one page, named after the page and the dates.
            with shared.expect_download(timeout=60_000) as download:
                shared.get_by_role("button", name="One-page report (PDF)").click()
            assert re.fullmatch(r"overview_\d{4}-\d{2}-\d{2}_\d{4}-\d{2}-\d{2}\.pdf", download.value.suggested_filename)
            pdf = pypdf.PdfReader(download.value.path())
            text = " ".join(pdf.pages[0].extract_text().split())
            assert len(pdf.pages) == 1 and after["Inbound messages"] in text and "Channel: twitter" in text
            shared.goto(link.replace("/?", "/data?"))
            shared.get_by_text("Current data").wait_for(timeout=180_000)
            _settle(shared)
            assert shared.locator('input[type="file"]').count() == 0
        finally:
            browser.close()


def _metric_value(page: object, label: str) -> str:
    card = page.locator('[data-testid="stMetric"]').filter(has_text=label).first  # type: ignore[attr-defined]
    return card.locator('[data-testid="stMetricValue"]').inner_text().strip()


def test_live_queue_follows_the_database_without_a_reload(server: str, tmp_path: Path) -> None:
    import datetime as dt
    import sqlite3

    columns = ("message_id", "conversation_id", "created_at", "direction", "channel", "customer_id", "is_bot", "text")
    con = sqlite3.connect(tmp_path / "live.db")
    con.execute(f"CREATE TABLE messages ({', '.join(f'{c} TEXT' for c in columns)})")
    insert = f"INSERT INTO messages VALUES ({', '.join('?' * len(columns))})"
    now = dt.datetime.now(dt.UTC)
    con.execute(insert, ("m1", "c1", (now - dt.timedelta(minutes=3)).isoformat(), "inbound", "twitter", "u1", "false", "hello"))
    con.commit()

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
            page.goto(f"{server}/live-queue")
            page.get_by_role("radio", name="Live database").click(timeout=180_000)
            uri = page.get_by_label("Database URI")
            uri.fill(f"sqlite:///{tmp_path / 'live.db'}")
            uri.press("Enter")
            page.wait_for_function(
                """() => [...document.querySelectorAll('[data-testid="stMetric"]')].some(
                    m => m.innerText.includes('Waiting') && m.querySelector('[data-testid="stMetricValue"]').innerText.trim() === '1')""",
                timeout=120_000,
            )
            page.evaluate("window.__not_reloaded = true")
            # A customer writes: the page shows it on its own (fragment refresh), no reload.
            con.execute(insert, ("m2", "c2", dt.datetime.now(dt.UTC).isoformat(), "inbound", "email", "u2", "false", "urgent help"))
            con.commit()
            page.wait_for_function(
                """() => [...document.querySelectorAll('[data-testid="stMetric"]')].some(
                    m => m.innerText.includes('Waiting') && m.querySelector('[data-testid="stMetricValue"]').innerText.trim() === '2')""",
                timeout=60_000,
            )
            assert page.evaluate("window.__not_reloaded") is True
            # A human reply takes c1 off the queue.
            con.execute(insert, ("m3", "c1", dt.datetime.now(dt.UTC).isoformat(), "outbound", "twitter", None, "false", "Hi!"))
            con.commit()
            page.wait_for_function(
                """() => [...document.querySelectorAll('[data-testid="stMetric"]')].some(
                    m => m.innerText.includes('Waiting') && m.querySelector('[data-testid="stMetricValue"]').innerText.trim() === '1')""",
                timeout=60_000,
            )
            assert page.evaluate("window.__not_reloaded") is True
            assert _metric_value(page, "Overdue") == "0"
            # One click on the row (its selection box) opens the conversation's messages.
            grid = page.locator('[data-testid="stDataFrame"]').first.bounding_box()
            assert grid is not None
            page.mouse.click(grid["x"] + 20, grid["y"] + 35 + 17)
            page.get_by_text("Conversation c2", exact=True).wait_for(timeout=60_000)
        finally:
            browser.close()
            con.close()


def test_the_overview_address_opens_the_overview(server: str) -> None:
    """``/overview`` (the menu's name for the default page at ``/``) redirects there, not "page not found"."""
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
            page.goto(f"{server}/overview?lang=fr")
            page.locator("h1", has_text="Vue d'ensemble").wait_for(timeout=180_000)
            _settle(page)
            assert page.get_by_text("Page not found").count() == 0
            assert "/overview" not in page.url and "lang=fr" in page.url, page.url
            page.goto(f"{server}/no-such-page")  # the check above would see Streamlit's notice
            page.get_by_text("Page not found").first.wait_for(timeout=180_000)
        finally:
            browser.close()
