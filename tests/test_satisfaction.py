"""Issue 5.5: CSAT and NPS from each conversation's last valid rating."""

from __future__ import annotations

import polars as pl
import pytest

import toolkit
from tests.helpers import log


def test_csat_uses_the_last_1_to_5_rating_of_each_conversation():
    m = log([("a", 0, "inbound"), ("a", 5, "outbound"), ("a", 9, "inbound"),
             ("b", 0, "inbound"), ("b", 3, "outbound"),
             ("c", 0, "inbound"), ("c", 1, "outbound"),
             ("d", 0, "inbound")],
            csat=[2.0, None, 5.0,   # a: last is 5 -> satisfied
                  4.0, 9.0,         # b: 9 is out of range, ignored -> last valid 4
                  3.0, None,        # c: 3 -> not satisfied
                  None])            # d: unrated, not counted
    (row,) = toolkit.kpis(m).to_dicts()
    assert row["csat"] == pytest.approx(2 / 3)
    assert row["csat_responses"] == 3


def test_nps_is_promoters_minus_detractors_over_responses():
    # last ratings: 10 (promoter), 9 (promoter), 7 (passive), 6 (detractor), 0 (detractor)
    rows, nps = [], []
    for i, (first, last) in enumerate([(0, 10), (None, 9), (10, 7), (None, 6), (None, 0)]):
        rows += [(f"c{i}", 0, "inbound"), (f"c{i}", 5, "outbound")]
        nps += [first, last]
    m = log([*rows, ("z", 0, "inbound")], nps=[*nps, None])
    (row,) = toolkit.kpis(m).to_dicts()
    assert row["nps"] == pytest.approx(100 * (2 - 2) / 5)
    assert row["nps_responses"] == 5
    out = toolkit.satisfaction_breakdown(m).to_dicts()[0]
    assert (out["promoters"], out["passives"], out["detractors"]) == (2, 1, 2)


def test_satisfaction_breakdown_by_group_lazy():
    m = log([("a", 0, "inbound", False, None, "email"), ("b", 0, "inbound", False, None, "twitter")],
            csat=[5.0, 1.0], nps=[10.0, 3.0])
    out = toolkit.satisfaction_breakdown(m.lazy(), by="channel")
    assert isinstance(out, pl.LazyFrame)
    rows = {r["channel"]: r for r in out.collect().to_dicts()}
    assert rows["email"]["csat"] == 1.0 and rows["twitter"]["nps"] == -100.0
