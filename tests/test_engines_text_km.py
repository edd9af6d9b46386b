"""The text, sentiment and Kaplan-Meier metrics on polars, DuckDB and Spark: the same numbers.

``care_mentions``, ``customer_service_share`` and ``deflection_rate`` match regular expressions,
which the three engines read with three dialects (Rust, RE2, Java): the toolkit writes them in
the subset all three read alike (:mod:`toolkit.core.patterns`), and the first tests check that
claim on tricky texts (accents in both cases, French and Italian phrases, words glued to
accented letters, underscores, non-ASCII digits and spaces). The sentiment keys read a numeric
``sentiment`` column (labels are read on every engine). The Kaplan-Meier keys are finished in
Python from a table of counts the engine returns; the polars kernel multiplies the same factors
in the same order, so the floats are identical, and both equal a slow reference.
"""

from __future__ import annotations

import io
import json
import warnings
from contextlib import redirect_stdout
from pathlib import Path

import narwhals.stable.v2 as nw
import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

import toolkit
from tests.test_engines import generated_log
from tests.test_kpis import log
from toolkit.cli import main
from toolkit.core.patterns import is_portable, portable_regex
from toolkit.measures.deflection import DEFAULT_DEFLECTION_PHRASES, DIRECT_MESSAGE, deflection_patterns
from toolkit.measures.outcomes import (
    care_pattern,
    kaplan_meier_counts,
    kaplan_meier_median,
    kaplan_meier_within,
)
from toolkit.measures.sentiment import NUMBER_TEXT
from toolkit.measures.topics import CUSTOMER_SERVICE_PATTERN

KEYS = ["care_mentions", "customer_service_share", "deflection_rate", "customer_sentiment_mean",
        "sentiment_conversion_rate", "sentiment_neutral_or_better_rate", "frt_km_median_s",
        "art_km_median_s", "reply_within_24h"]

TEXTS = [
    # English
    "Please call us at 1-800-555-0100", "DM us please", "I need help with my order", "HELP!!",
    "My phone is broken", "they call us Southbest", "email us at help@acme.com", "Try our LIVE CHAT",
    "that was helpful, thanks", "_help_", "help_desk", "call us at \u0663\u0664\u0665", "Thanks, all good",
    "Send us an e-mail", "\u00a0help\u00a0", "refund\tplease", "Give us a ring",
    # French
    "Appelez-nous au 01 23 45 67 89", "APPELEZ-NOUS", "J'ai un PROBLÈME avec ma commande", "problème",
    "proble\u0300me (décomposé)", "dépanne", "En panne depuis hier", "Écrivez-nous", "ÉCRIVEZ-NOUS svp",
    "Réclamation", "RÉCLAMATION", "Ça ne marche pas", "N'HÉSITEZ PAS À NOUS APPELER",
    "n'hésitez pas à nous appeler", "notre messagerie instantanée", "NOTRE MESSAGERIE INSTANTANÉE",
    "l'aide", "aide123", "Contactez-nous PAR TÉLÉPHONE",
    # Italian
    "Chiamaci al numero verde", "CHIAMACI", "Non funziona più", "PUÒI ANCHE CHIAMARCI", "puoi anche chiamarci",
    "Ho bisogno di AIUTO", "rimborso", "la nostra chat", "scrivici a info@acme.it", "ti richiameremo",
    "", None,
]
CATEGORIES = ["Customer Service", " customer_care ", "SUPPORT", "support\t", "Billing", "servizio clienti",
              "Service Client", "service\u00a0client", "cs", "CS ", "ＳＵＰＰＯＲＴ", None]
TARGETS = ["phone", " ", "Twitter DM", "dm", "email", "Messages privés", "MESSAGES PRIVÉS",
           "messaggio privato", "chat", "D.M.", None]


def _patterns() -> list[str]:
    phrases = [portable_regex(f"(?i){p}") for v in DEFAULT_DEFLECTION_PHRASES.values() for p in v]
    return [*phrases, *deflection_patterns().values(), care_pattern(), portable_regex(CUSTOMER_SERVICE_PATTERN),
            portable_regex(DIRECT_MESSAGE), NUMBER_TEXT]


def _corpus() -> pl.DataFrame:
    words = [t for t in TEXTS if t is not None] + [c for c in CATEGORIES if c] + [t for t in TARGETS if t]
    numbers = ["0.5", "-1", "+.25", "5.", "1e-3", "nan", "inf", "1,5", " 0.2 ", "-0.05E1"]
    lowered = [w.strip(" \t\n\r\x0b\x0c").lower() for w in words]
    return pl.DataFrame({"t": [*words, *lowered, *numbers, None]})


def _matches_on(engine_frame, patterns: list[str]) -> pl.DataFrame:
    frame = nw.from_native(engine_frame)
    return frame.select(
        nw.col("row"), *[nw.col("t").str.contains(p).alias(f"p{i}") for i, p in enumerate(patterns)]
    ).collect("polars").to_native().sort("row")


def test_the_toolkits_patterns_are_portable() -> None:
    """No engine-dependent construct is left in any default rule."""
    assert all(is_portable(p) for p in _patterns())


def test_portable_patterns_say_what_we_mean() -> None:
    care = care_pattern()
    found = {t: pl.select(pl.lit(t).str.contains(care)).item() for t in TEXTS if t}
    # Whole words in any case and script, not inside a word (also not after an accented letter).
    assert found["J'ai un PROBLÈME avec ma commande"] and found["RÉCLAMATION"] and found["Ho bisogno di AIUTO"]
    assert found["\u00a0help\u00a0"] and found["l'aide"] and found["HELP!!"]
    assert not found["dépanne"] and not found["_help_"] and not found["that was helpful, thanks"]
    assert not found["aide123"] and not found["help_desk"]
    channels = deflection_patterns()
    moved = {t: any(pl.select(pl.lit(t).str.contains(p)).item() for p in channels.values()) for t in TEXTS if t}
    assert moved["ÉCRIVEZ-NOUS svp"] and moved["N'HÉSITEZ PAS À NOUS APPELER"] and moved["PUÒI ANCHE CHIAMARCI"]
    assert moved["NOTRE MESSAGERIE INSTANTANÉE"] and moved["Contactez-nous PAR TÉLÉPHONE"]
    assert not moved["DM us please"] and not moved["they call us Southbest"]


def test_patterns_match_the_same_texts_on_polars_and_duckdb() -> None:
    import duckdb

    corpus = _corpus().with_row_index("row").with_columns(pl.col("row").cast(pl.Int64))
    patterns = _patterns()
    want = _matches_on(corpus.lazy(), patterns)
    got = _matches_on(duckdb.from_arrow(corpus.to_arrow()), patterns)
    assert_frame_equal(got, want)
    assert want.select(pl.exclude("row").sum()).row(0) != tuple([0] * len(patterns))


def test_patterns_match_the_same_texts_on_spark(spark) -> None:
    corpus = _corpus().with_row_index("row").with_columns(pl.col("row").cast(pl.Int64))
    patterns = _patterns()
    want = _matches_on(corpus.lazy(), patterns)
    got = _matches_on(spark.createDataFrame(corpus.to_arrow()), patterns)
    assert_frame_equal(got, want)


# ---- the metrics ----------------------------------------------------------------------------


def text_log(seed: int, *, targets: bool = False, labels: bool = False) -> pl.DataFrame:
    """generated_log (ties, bots, brand-first, pending turns, an empty channel) with texts in
    three languages, categories, sentiment scores (or labels) and optionally ``deflected_to``."""
    m = generated_log(seed)
    rng = np.random.default_rng(seed + 1000)
    n = m.height

    def pick(values: list) -> list:
        return [values[i] for i in rng.integers(0, len(values), n)]

    scores = [None if rng.random() < 0.2 else float(rng.choice([-0.05, 0.05, round(float(rng.uniform(-1, 1)), 3)]))
              for _ in range(n)]
    out = m.with_columns(
        text=pl.Series(pick(TEXTS), dtype=pl.String),
        category=pl.Series(pick(CATEGORIES), dtype=pl.String),
        sentiment=pl.Series(scores, dtype=pl.Float64),
    )
    if labels:
        out = out.with_columns(sentiment=pl.Series(pick(["Negative", " positive", "NEU", "0.3", "-.7", "2", "bad", None]),
                                                   dtype=pl.String))
    if targets:
        out = out.with_columns(deflected_to=pl.Series(pick(TARGETS), dtype=pl.String))
    return out


def _on(messages, engine: str, **kwargs) -> pl.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing is left out on any engine
        return toolkit.kpis(messages, engine=engine, **kwargs)


def _same(got: pl.DataFrame, want: pl.DataFrame) -> None:
    assert got.columns == want.columns
    assert all(k in got.columns for k in KEYS), [k for k in KEYS if k not in got.columns]
    assert_frame_equal(got, want, rel_tol=1e-9, abs_tol=0.0)


def hand_log() -> pl.DataFrame:
    return log([
        ("a", 0, "inbound"), ("a", 5, "outbound"), ("a", 9, "inbound"),
        ("b", 0, "inbound"), ("b", 1, "inbound"), ("b", 3, "outbound"),
        ("c", 0, "inbound"),
    ], text=["J'ai un PROBLÈME", "Appelez-nous au 01 23 45 67 89", "merci", "dépanne", "AIUTO", "DM us", None],
        sentiment=[-0.6, 0.9, 0.7, -0.9, -0.8, None, 0.2],
        category=["Service Client", None, "billing", " SUPPORT ", "ＳＵＰＰＯＲＴ", None, None])


def check_hand_worked(row: dict) -> None:
    assert row["care_mentions"] == 2  # PROBLÈME, AIUTO (not "dépanne")
    assert row["deflection_rate"] == pytest.approx(1 / 3)  # a: "Appelez-nous"; "DM us" is not one
    assert row["customer_service_share"] == pytest.approx(2 / 4)  # Service Client, SUPPORT
    assert row["customer_sentiment_mean"] == pytest.approx((-0.6 + 0.7 - 0.9 - 0.8 + 0.2) / 5)
    # a starts negative and ends positive; b stays negative; c has one score (not eligible).
    assert row["sentiment_conversion_rate"] == 0.5 and row["sentiment_neutral_or_better_rate"] == 0.5
    # Turns: a1 replied at 300 s, a2 pending (censored at 0 s), b1 replied at 180 s, c1 pending
    # (censored at 540 s): S(180) = 2/3, S(300) = 1/3 -> median 300 s; first turns the same.
    assert row["art_km_median_s"] == 300.0 and row["frt_km_median_s"] == 300.0
    assert row["reply_within_24h"] == pytest.approx(2 / 3)


def test_hand_worked_case_on_polars_and_duckdb() -> None:
    m = hand_log()
    check_hand_worked(_on(m, "polars").row(0, named=True))
    check_hand_worked(_on(m, "duckdb").row(0, named=True))


def test_kaplan_meier_hand_worked_ties_and_censoring() -> None:
    """Waits 60 (reply), 60 (reply), 60 (censored), 120 (reply), 300 (censored), 300 (reply):
    S(60) = 1 - 2/6 = 2/3 (replies before the censoring at the same time), S(120) = 2/3 * (1 - 1/2)
    = 1/3 <= 1/2 -> median 120; S(300) = 0. Within 100 s: 1 - 2/3."""
    d = pl.DataFrame({"d": [60.0, 60.0, 60.0, 120.0, 300.0, 300.0], "e": [True, True, False, True, False, True]})
    got = d.select(kaplan_meier_median(pl.col("d"), pl.col("e")).alias("m"),
                   kaplan_meier_within(pl.col("d"), pl.col("e"), 100).alias("w")).row(0)
    assert got == (120.0, 1 - (1 - 2 / 6))
    counts = d.group_by("d", "e").len().rename({"d": "_d", "e": "_e", "len": "_n"})
    assert kaplan_meier_counts(counts, []).item() == 120.0
    assert kaplan_meier_counts(counts, [], within=100).item() == got[1]
    assert kaplan_meier_counts(counts.head(0), [], within=100).item() is None


def _reference(durations: list[float], events: list[bool], within: float | None) -> float | None:
    """The product-limit estimator by hand: the slow, obviously right version."""
    if not durations:
        return None
    s, curve = 1.0, []
    for t in sorted({d for d, e in zip(durations, events, strict=True) if e}):
        at_risk = sum(1 for d in durations if d >= t)
        replies = sum(1 for d, e in zip(durations, events, strict=True) if e and d == t)
        s *= 1 - replies / at_risk
        curve.append((t, s))
    if within is None:
        return next((t for t, v in curve if v <= 0.5 + 1e-12), None)
    before = [v for t, v in curve if t <= within]
    return 1 - before[-1] if before else 0.0


@pytest.mark.parametrize("seed", range(6))
def test_kaplan_meier_polars_and_counts_equal_the_reference_exactly(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 60))
    d = rng.choice([0.0, 1.5, 60.0, 60.0, 3600.0, 86400.0, 90000.0, 7.25], n).tolist()
    e = (rng.random(n) < 0.6).tolist()
    frame = pl.DataFrame({"_d": d, "_e": e}, schema={"_d": pl.Float64, "_e": pl.Boolean})
    counts = frame.group_by("_d", "_e").len().rename({"len": "_n"})
    for within in (None, 86400.0, 30.0):
        want = _reference(d, e, within)
        expr = (kaplan_meier_median(pl.col("_d"), pl.col("_e")) if within is None
                else kaplan_meier_within(pl.col("_d"), pl.col("_e"), within))
        assert frame.select(expr).item() == want
        assert kaplan_meier_counts(counts, [], within=within).item() == want


@pytest.mark.parametrize("seed", [31, 32])
def test_generated_logs_on_duckdb_equal_polars(seed: int) -> None:
    for kwargs in ({}, {"targets": True}, {"labels": True}):
        m = text_log(seed, **kwargs)
        for by in (None, "channel"):
            want = toolkit.kpis(m, by=by)
            assert want.select(KEYS).null_count().row(0) != tuple([want.height] * len(KEYS))
            _same(_on(m, "duckdb", by=by), want)
    cal = {"calendar": "mon-fri 09:00-18:00", "timezone": "Europe/Paris", "sla": "20m"}
    m = text_log(seed)
    _same(_on(m, "duckdb", by="channel", **cal), toolkit.kpis(m, by="channel", **cal))


def test_generated_log_on_spark_equals_polars(spark, tmp_path: Path) -> None:
    check_hand_worked(_on(hand_log(), "spark", spark_master="local[2]").row(0, named=True))
    m = text_log(33, targets=True)
    m.write_parquet(tmp_path / "log.parquet")
    want = toolkit.kpis(m, by="channel")
    _same(_on(str(tmp_path / "log.parquet"), "spark", by="channel", spark_master="local[2]"), want)
    m = text_log(34, labels=True)
    _same(_on(m, "spark", spark_master="local[2]"), toolkit.kpis(m))


# ---- the command line on real tweets -----------------------------------------------------------


@pytest.fixture(scope="module")
def twcs_parquet(realdata: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """twcs_head.csv, loaded, scored (add_sentiment) and written as canonical Parquet."""
    messages = toolkit.add_sentiment(toolkit.read_messages(realdata / "twcs_head.csv"))
    path = tmp_path_factory.mktemp("twcs") / "twcs_head.parquet"
    messages.write_parquet(path)
    return path


def _cli(argv: list[str]) -> str:
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(argv) == 0
    return out.getvalue()


def _cli_rows(path: Path, engine: str, by: list[str]) -> list[dict]:
    text = _cli(["kpis", str(path), "--format", "json", "--quiet", *by, "--engine", engine,
                 *(["--spark-master", "local[2]"] if engine == "spark" else [])])
    return json.loads(text)


def _assert_same_json(got: list[dict], want: list[dict]) -> None:
    assert len(got) == len(want) > 0
    for g, w in zip(got, want, strict=True):
        assert list(g) == list(w)
        # Every key of the nine but customer_service_share (tweets have no category).
        assert all(k in w for k in KEYS if k != "customer_service_share"), [k for k in KEYS if k not in w]
        for key, value in w.items():
            if isinstance(value, float) and value != g[key]:  # a last-bit difference of a sum
                assert g[key] == pytest.approx(value, rel=1e-12), key
            else:
                assert g[key] == value, key


def test_cli_json_on_real_tweets_duckdb_equals_polars(twcs_parquet: Path) -> None:
    for by in ([], ["--by", "channel"], ["--by", "brand"]):
        _assert_same_json(_cli_rows(twcs_parquet, "duckdb", by), _cli_rows(twcs_parquet, "polars", by))


def test_cli_json_on_real_tweets_spark_equals_polars(spark, twcs_parquet: Path) -> None:
    for by in ([], ["--by", "channel"]):
        _assert_same_json(_cli_rows(twcs_parquet, "spark", by), _cli_rows(twcs_parquet, "polars", by))


def test_the_sentiment_keys_need_a_sentiment_column_on_every_engine() -> None:
    m = generated_log(35, n_conversations=20)
    for engine in ("polars", "duckdb"):
        got = _on(m, engine)
        assert "customer_sentiment_mean" not in got.columns and "care_mentions" not in got.columns
        assert "frt_km_median_s" in got.columns
    with pytest.raises(toolkit.DataError, match="customer_sentiment_mean"):
        toolkit.kpis(m, engine="duckdb", metrics=["customer_sentiment_mean"])


def test_deflection_from_deflected_to_values_on_duckdb() -> None:
    m = log([("a", 0, "inbound"), ("a", 1, "outbound"), ("b", 0, "inbound"), ("b", 1, "outbound"),
             ("c", 0, "inbound"), ("d", 0, "inbound")],
            deflected_to=[None, "phone", None, "MESSAGES PRIVÉS", " ", "Email "])
    for engine in ("polars", "duckdb"):
        assert _on(m, engine, metrics=["deflection_rate"])["deflection_rate"].item() == 0.5, engine  # a and d
