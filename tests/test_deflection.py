"""Issue 5.4: deflection rate from deflected_to, else detected by phrases in outbound text."""

from __future__ import annotations

import re

import polars as pl
import pytest

import toolkit
from tests.helpers import log
from toolkit.measures.deflection import DEFAULT_DEFLECTION_PHRASES


def replies(*texts: str) -> pl.DataFrame:
    rows = [(f"c{i}", 1, "outbound") for i in range(len(texts))]
    return log(rows, text=list(texts))


@pytest.mark.parametrize(("text", "channel"), [
    ("Please call us at 1-800-555-0100 so we can help ^AB", "phone"),
    ("Give us a call on the number in our bio", "phone"),
    ("You can reach us by phone or chat here: https://t.co/x", "phone"),
    ("Please email us at help@acme.com with your order number", "email"),
    ("Drop us an email and we will sort it", "email"),
    ("Our live chat team is online 24/7", "chat"),
    ("Appelez-nous au 01 23 45 67 89", "phone"),
    ("Écrivez-nous à service@acme.fr", "email"),
    ("Chiamaci al numero verde 800 123 456", "phone"),
    ("Scrivici a assistenza@acme.it", "email"),
    ("N'hésitez pas à nous appeler, nous regarderons ensemble", "phone"),
    ("Nous allons vous rappeler dans l'heure", "phone"),
    ("Merci de nous contacter par téléphone au 09 69 32 15 15", "phone"),
    ("Puoi chiamarci dalle 9 alle 18", "phone"),
    ("Ti richiameremo entro oggi", "phone"),
    ("Contattaci via email, ti risponderemo presto", "email"),
    ("Notre tchat est ouvert jusqu'à 20h", "chat"),
    ("Prova la nostra chat, è più veloce", "chat"),
])
def test_phrases_detect_moves_to_phone_email_and_chat(text, channel):
    out = toolkit.detect_deflection(replies(text))
    assert out["deflected_to"].to_list() == [channel]
    # The phrase reported is the channel's own pattern, and it is what matched this text.
    phrase = out["deflection_phrase"].item()
    assert phrase in DEFAULT_DEFLECTION_PHRASES[channel]
    assert re.search(phrase, text.lower())


@pytest.mark.parametrize("text", [
    "Please send us a DM with your email address and we'll take a look",
    "DM us your phone number and order details",
    "Please send us a Private Message so that we can further assist you",
    "They call us the best airline for a reason",
    "Inviaci un messaggio privato",
    "Envoyez-nous un message privé",
])
def test_a_dm_request_or_a_mention_is_not_a_deflection(text):
    assert toolkit.detect_deflection(replies(text))["deflected_to"].to_list() == [None]


def test_customer_messages_are_never_deflections():
    m = log([("c", 0, "inbound")], text=["I tried to call us- I mean you, call us back!"])
    assert toolkit.detect_deflection(m)["deflected_to"].to_list() == [None]


def test_deflection_rate_prefers_the_column_and_falls_back_to_text():
    m = log([("a", 0, "inbound"), ("a", 5, "outbound"), ("b", 0, "inbound"), ("b", 5, "outbound"),
             ("c", 0, "inbound"), ("c", 5, "outbound"), ("d", 0, "inbound")],
            text=["help", "Please call us at 555-123-4567", "help", "DM us", "help", "ok", "hi"],
            deflected_to=[None, None, None, "email", " ", None, None])
    (row,) = toolkit.kpis(m).to_dicts()
    assert row["deflection_rate"] == pytest.approx(1 / 4)  # only b, from the column
    (row,) = toolkit.kpis(m.drop("deflected_to")).to_dicts()
    assert row["deflection_rate"] == pytest.approx(1 / 4)  # only a, from the text
    conv = toolkit.conversations(m.drop("deflected_to")).sort("conversation_id")
    assert conv["deflected_to"].to_list() == ["phone", None, None, None]
    assert conv["deflection_basis"].unique().to_list() == ["text"]


def test_custom_phrases_and_phrase_counts_with_examples():
    m = replies("Ring our hotline", "ring our hotline now", "Please call us at 555-123-4567")
    custom = {"phone": [r"\bring our hotline\b"]}
    out = toolkit.detect_deflection(m, custom)
    assert out["deflected_to"].to_list() == ["phone", "phone", None]
    counts = toolkit.deflection_phrase_counts(m.lazy(), custom, examples=1)
    assert isinstance(counts, pl.LazyFrame)
    (row,) = counts.collect().to_dicts()
    assert row["messages"] == 2 and row["conversations"] == 2
    assert row["example_texts"] == ["Ring our hotline"]
    assert row["phrase_found"] == "ring our hotline"  # the words, not the regular expression
    with pytest.raises(ValueError, match="phrases"):
        toolkit.detect_deflection(m, {})


def test_detect_keeps_an_existing_deflected_to_value():
    m = log([("a", 1, "outbound"), ("b", 1, "outbound")], text=["hello", "call us at 555-123-4567"],
            deflected_to=["chat", None])
    out = toolkit.detect_deflection(m)
    assert out["deflected_to"].to_list() == ["chat", "phone"]
    assert out["deflection_phrase"][0] is None


@pytest.mark.parametrize("value", ["dm", "DM", "Twitter DM", "direct message", "Direct Messages", "twitter_dm", "PM"])
def test_a_direct_message_in_deflected_to_is_not_a_deflection(value):
    m = log([("a", 0, "inbound"), ("a", 5, "outbound"), ("b", 0, "inbound"), ("b", 5, "outbound")],
            deflected_to=[None, value, None, "phone"])
    (row,) = toolkit.kpis(m).to_dicts()
    assert row["deflection_rate"] == pytest.approx(1 / 2)  # only b
    conv = toolkit.conversations(m).sort("conversation_id")
    assert conv["deflected"].to_list() == [False, True]
    assert conv["deflected_to"].to_list() == [None, "phone"]
    assert toolkit.detect_deflection(m.with_columns(text=pl.lit("thanks")))["deflected_to"].to_list() == [None, None, None, "phone"]
