"""Crafted links, fuzzed: every page, hundreds of parameter sets, never a traceback or injected markup.

Hypothesis draws link parameters (known ones with valid, edge, malformed and hostile values, page
parameters, unknown names) and AppTest runs each page on them with a small stored dataset. Bounded
to ~20 examples a page (about a minute and a half on two busy cores); raise ``FUZZ_EXAMPLES`` to
search longer.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from tests.untrusted import EVENT, FILENAME, FORMAT, HTML, IMAGE, LINK, assert_no_injected_markup
from toolkit.app_state.store import DatasetStore
from toolkit.app_state.view import ViewState
from toolkit.io.load import load

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["overview", "response_times", "volume", "agents", "sentiment", "channels", "outcomes", "live_queue", "compare", "data"]
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))

HOSTILE = [LINK, IMAGE, HTML, FORMAT, EVENT, FILENAME, "", " ", "\x00", "\n\n# x", "../../etc/passwd", "a" * 2100,
           "%00", "%3Cscript%3E", "☃", "🙂" * 40, "nan", "inf", "-inf", "-1", "0", "1e309", "9" * 40]
DATES = ["2025-09-01", "2025-09-03", "2025-09-08", "2030-01-01", "1900-01-01", "0001-01-01", "9999-12-31",
         "2025-02-30", "2025-13-01", "yesterday", "20250901"]
VALUES: dict[str, list[str]] = {
    "from": DATES, "to": DATES,
    "channels": ["twitter", "email~chat", "nope", "twitter~" + LINK],
    "brands": ["NordHome", "x~y"], "categories": ["billing"], "agents": ["A1", "a~b"],
    "hours": ["in", "out", "all", "sometimes"],
    "tz": ["Europe/Paris", "UTC", "America/New_York", "Mars/Olympus", "Etc/GMT+14", "localtime", "posixrules", "Factory", "EST5EDT"],
    "open": ["24/7", "mon-fri 09:00-18:00", "daily 00:00-24:00", "mon 25:00-26:00", "sat closed", "mon-fri 18:00-09:00",
             "mon 09:00-09:00", "weekend 10:00-14:00; weekdays 08:00-20:00"],
    "holidays": ["FR", "US-CA", "2025-09-02", "FR,2025-12-24", "ZZ", "XX-NOPE", "2025-02-30"],
    "sla": ["1", "30", "60", "20160", "0", "0.5", "-5", "1e9", "nan", "inf", "abc"],
    "events": ["Sale: 2025-09-02..2025-09-03", "y:1900-01-01..9999-12-31", "x: 2025-09-05", "a: 2025-09-01..2025-09-08;b: 2030-01-01..2030-01-02",
               f"{EVENT}: 2025-09-02..2025-09-04", "no dates at all", "z: 2025-09-03..2025-09-02"],
    "split": ["hours", "peak", "before:2025-09-04", "before:1900-01-01", "before:9999-12-31", "before:x", "channel:twitter",
              "channel:twitter,email", "channel:nope", "brand:NordHome", "agent:A1", "agent:nobody", "event:Sale",
              f"event:{EVENT}", "category:billing", "experience", "unknown:kind", "<b>"],
    "lang": ["en", "fr", "it", "de", "EN"],
    "x.window": ["28", "7", "all", "365"], "x.every": ["1h", "1d", "1w", "7y", "1mo"],
    "x.whatif": ["sun 10:00-16:00", "sat 09:00-12:00", "sun 25:00-26:00", LINK],
    "x.noevents": ["1", "yes"], "x.noholidays": ["1", "0"],
    "x.unknown": ["whatever"], "embed": ["true"], "junk": ["1"],
}


def _value(key: str) -> st.SearchStrategy[str]:
    return st.sampled_from(VALUES[key]) | st.sampled_from(HOSTILE) | st.text(max_size=30)


PARAMS = st.lists(st.sampled_from(sorted(VALUES)), min_size=1, max_size=6, unique=True).flatmap(
    lambda keys: st.fixed_dictionaries({k: _value(k) for k in keys})
)


@pytest.fixture(scope="module")
def small_dataset(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("fuzz_store")
    sample = pl.read_csv(ROOT / "sample_data" / "sample_messages.csv", infer_schema_length=0).head(600)
    messages = load(sample.write_csv().encode(), filename="log.csv").messages
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TOOLKIT_DATA_DIR", str(data_dir))
        yield DatasetStore(data_dir).save(messages, {"filename": FILENAME})


@pytest.mark.parametrize("page", PAGES)
def test_crafted_links_never_crash_a_page(small_dataset: str, page: str) -> None:
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(params=PARAMS)
    def check(params: dict[str, str]) -> None:
        at = AppTest.from_file(str(ROOT / "app_pages" / f"{page}.py"), default_timeout=120)
        at.query_params["ds"] = small_dataset
        for k, v in params.items():
            at.query_params[k] = v
        at.run()
        assert not at.exception, (params, [e.value for e in at.exception])
        assert at.title, params
        assert_no_injected_markup(at)
        _, ignored = ViewState.decode({"ds": small_dataset, **params})
        if ignored:
            notes = " ".join(w.value for w in at.warning)
            assert "ignored" in notes, (params, [i.to_text() for i in ignored])

    check()
