"""Issue 5.6: topic volumes, customer-service share, top replies, bot share."""

from __future__ import annotations

import polars as pl
import pytest

import toolkit
from tests.helpers import log


def topic_log() -> pl.DataFrame:
    rows = [("a", 0, "inbound", False, None, "twitter"), ("a", 1, "inbound", False, None, "twitter"),
            ("b", 0, "inbound", False, None, "twitter"), ("c", 0, "inbound", False, None, "email"),
            ("c", 5, "outbound", False, "A1", "email"), ("d", 0, "inbound", False, None, "email")]
    return log(rows, category=["Customer Service", "customer service", "marketing", "customer_care",
                               None, None],
               subcategory=["billing", "billing", "promo", "delivery", None, None])


def test_customer_service_share_of_inbound_with_a_category():
    (row,) = toolkit.kpis(topic_log()).to_dicts()
    assert row["customer_service_share"] == pytest.approx(3 / 4)
    assert "customer_service_share" not in toolkit.kpis(topic_log().drop("category")).columns


def test_topic_volumes_and_top_topics_per_channel():
    vol = toolkit.topic_volumes(topic_log(), levels=("subcategory",))
    rows = {r["subcategory"]: r for r in vol.to_dicts()}
    assert rows["billing"]["inbound_messages"] == 2 and rows["billing"]["conversations"] == 1
    assert rows["billing"]["share"] == pytest.approx(2 / 5)
    top = toolkit.top_topics(topic_log(), n=1)
    assert top.select("channel", "subcategory", "rank").rows() == [("email", "delivery", 1),
                                                                  ("twitter", "billing", 1)]
    assert isinstance(toolkit.topic_volumes(topic_log().lazy(), by="channel"), pl.LazyFrame)


def test_normalised_replies_group_templates_written_by_hand():
    texts = ["@115712 Hi Ann, please DM us your order 12345 https://t.co/abc ^GA",
             "@99 hi ann, please DM us your order 777 https://t.co/xyz -AB",
             "Something else entirely"]
    m = log([(f"c{i}", 1, "outbound") for i in range(3)], text=texts)
    out = toolkit.top_replies(m, n=1)
    (row,) = out.to_dicts()
    assert row["uses"] == 2 and row["basis"] == "normalised_text"
    assert row["reply"] == "@user hi ann, please dm us your order <n> <url>"
    with_template = m.with_columns(template=pl.Series(["greet", "greet", None]))
    assert toolkit.top_replies(with_template)["reply"].to_list() == ["greet"]


def test_bot_share_of_replies_and_bot_only_conversations():
    m = log([("a", 0, "inbound"), ("a", 1, "outbound", True), ("a", 5, "outbound"),
             ("b", 0, "inbound"), ("b", 1, "outbound", True),
             ("c", 0, "inbound")])
    (row,) = toolkit.bot_summary(m).to_dicts()
    assert row["bot_reply_share"] == pytest.approx(2 / 3)
    assert row["bot_only_conversations"] == 1 and row["bot_only_share"] == pytest.approx(1 / 2)
