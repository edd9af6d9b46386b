# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 05 · Sentiment conversion and deflection, on real Twitter text
#
# Two questions social-care leads ask about the public thread:
#
# * **Do we turn unhappy customers around?** *Sentiment conversion*: among conversations whose
#   first customer message is negative and that have a later customer message, the share whose
#   last customer message is positive (and the share that at least reaches neutral).
# * **How often do we move the customer off the public thread** to phone, email or chat?
#   *Deflection rate*: conversations moved to a 1:1 channel / conversations. A move to direct
#   messages is *not* a deflection: it stays on the same social channel.
#
# Neither is in the twcs export: we compute sentiment from the text with VADER (a lexicon model
# built for social media) and detect deflections in the brands' replies with phrases
# ("call us at", "email us at", ...).
#
# **Parameters.** `DATA_PATH = None` reads the 5,000-tweet excerpt `../shared/realdata/twcs_head.csv`
# when it is beside the checkout, else falls back to the synthetic sample data (said below).
# Point it at the full `twcs.csv` (Kaggle, "Customer Support on Twitter" by ThoughtVector) for
# the whole picture; VADER then needs several minutes for 2.8 million tweets.

# %%
DATA_PATH = None  # e.g. "~/data/twcs/twcs.csv"
MIN_CONVERSATIONS = 15  # brands with fewer eligible conversations are left out of the brand chart
FAST_REPLY_SECONDS = 15 * 60

# %%
import altair as alt
import polars as pl
import toolkit
from toolkit.present import charts
from toolkit.analysis.compare import Split, compare
from toolkit.measures.deflection import deflection_phrase_counts, detect_deflection
from toolkit.io.load import load
from toolkit.sample.notebook_data import resolve_data_path
from toolkit.measures.sentiment import (
    NEGATIVE_BELOW,
    POSITIVE_ABOVE,
    add_sentiment,
    sentiment_label,
)

pl.Config.set_tbl_rows(12)
pl.Config.set_tbl_width_chars(160)
pl.Config.set_fmt_str_lengths(90)

path, description = resolve_data_path(DATA_PATH)
print(description)
result = load(path)
print(result.quality)

# %% [markdown]
# ## Score the customers' words
#
# `add_sentiment` gives every message a VADER compound score in [-1, 1] (each distinct text is
# scored once; this is the one opt-in step of the toolkit that runs Python per text). Scores
# below -0.05 read as negative, above 0.05 as positive. A log that already has a `sentiment`
# column keeps its values.

# %%
messages = add_sentiment(result.messages)
labelled = messages.filter(pl.col("direction") == "inbound").with_columns(
    label=sentiment_label(pl.col("sentiment"))
)
label_shares = labelled.group_by("label").agg(messages=pl.len()).drop_nulls("label").with_columns(
    share=pl.col("messages") / pl.col("messages").sum()
)
alt.Chart(label_shares.to_pandas()).mark_bar().encode(
    x=alt.X("label:N", sort=["negative", "neutral", "positive"], title="Sentiment of the customer message"),
    y=alt.Y("share:Q", title="Share of customer messages (%)", axis=alt.Axis(format="%")),
    color=alt.Color(
        "label:N",
        legend=None,
        scale=alt.Scale(domain=["negative", "neutral", "positive"], range=[charts.RED, charts.MUTED, charts.GREEN]),
    ),
    tooltip=["label:N", alt.Tooltip("messages:Q", format=","), alt.Tooltip("share:Q", format=".1%")],
).properties(
    width=360,
    height=240,
    title=alt.TitleParams(
        "How customers sound",
        subtitle=f"VADER compound score: negative < {NEGATIVE_BELOW}, positive > {POSITIVE_ABOVE}",
    ),
)

# %% [markdown]
# A quick check by eye: the most negative and most positive customer messages.

# %%
pl.concat(
    [
        labelled.sort("sentiment").head(3),
        labelled.sort("sentiment", descending=True).head(3),
    ]
).select("brand", "sentiment", "text")

# %% [markdown]
# ## Sentiment conversion
#
# With a `sentiment` column, `kpis` reports `sentiment_conversion_rate` and
# `sentiment_neutral_or_better_rate` (registered metrics, see `toolkit/sentiment.py`). The
# conversation table tells us how many conversations are eligible: only they can convert.

# %%
conv = toolkit.conversations(messages)
eligible = conv.filter(
    (pl.col("first_customer_sentiment") < NEGATIVE_BELOW) & (pl.col("customer_sentiment_messages") >= 2)
)
overall = toolkit.kpis(messages).row(0, named=True)
print(
    f"{eligible.height:,} of {conv.height:,} conversations start negative and have a later customer message."
)
by_brand = toolkit.kpis(messages, by="brand").join(
    eligible.group_by("brand").agg(eligible=pl.len()), on="brand", how="left"
)
converting = by_brand.filter(pl.col("eligible") >= MIN_CONVERSATIONS).sort("sentiment_conversion_rate", descending=True)
converting.select("brand", "eligible", "sentiment_conversion_rate", "sentiment_neutral_or_better_rate", "frt_median_s")

# %%
conversion_long = converting.select(
    "brand",
    "eligible",
    pl.col("sentiment_conversion_rate").alias("ends positive"),
    pl.col("sentiment_neutral_or_better_rate").alias("ends neutral or positive"),
).unpivot(index=["brand", "eligible"], variable_name="outcome", value_name="share")
alt.Chart(conversion_long.to_pandas()).mark_bar().encode(
    y=alt.Y("brand:N", sort=converting["brand"].to_list(), title=None),
    yOffset=alt.YOffset("outcome:N"),
    x=alt.X("share:Q", title="Share of conversations that started negative (%)", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
    color=alt.Color("outcome:N", title=None, scale=alt.Scale(range=[charts.GREEN, "#86efac"])),
    tooltip=["brand:N", "outcome:N", alt.Tooltip("share:Q", format=".0%"), alt.Tooltip("eligible:Q", title="Eligible conversations")],
).properties(
    width=520,
    height=alt.Step(12),
    title=alt.TitleParams(
        "Sentiment conversion by brand",
        subtitle=f"Brands with at least {MIN_CONVERSATIONS} conversations that start negative and continue",
    ),
)

# %% [markdown]
# ### Does a fast first reply help?
#
# A comparison does not have to be one of the built-in splits: a `Split` is a rule that puts each
# row of a fact table on side a, side b or neither. Here conversations whose first reply came
# within 15 minutes (side a) against those answered later (side b), on the two conversion rates.
# An association, not a cause: easy cases may get both fast replies and happy endings.

# %%
fast_reply = Split(
    name="fast first reply",
    a_label=f"first reply within {FAST_REPLY_SECONDS // 60} min",
    b_label="first reply later",
    side=lambda level, columns: (
        (pl.col("first_response_seconds") <= FAST_REPLY_SECONDS)
        if level == "conversations"
        else pl.lit(None, pl.Boolean)
    ),
)
speed = compare(
    messages, fast_reply, metrics=["sentiment_conversion_rate", "sentiment_neutral_or_better_rate"]
)
speed.select("metric", "n_a", "a", "n_b", "b", "ci_low", "ci_high", "p_value", "test", "direction")

# %% [markdown]
# ## Deflection
#
# `detect_deflection` reads the brands' replies: the first phrase that fires names the channel
# (phone, then email, then chat). Phrases are regular expressions you can replace or extend
# (`detect_deflection(messages, phrases={"phone": [...], ...})`). Always look at what fired
# before trusting a rate:

# %%
messages = detect_deflection(messages)
deflection_phrase_counts(messages, examples=1).head(8)

# %%
conv = toolkit.conversations(messages)
deflected = conv.group_by("deflected_to").agg(conversations=pl.len()).drop_nulls("deflected_to")
alt.Chart(deflected.to_pandas()).mark_bar(color=charts.BLUE).encode(
    x=alt.X("conversations:Q", title="Conversations moved off the public thread"),
    y=alt.Y("deflected_to:N", sort="-x", title="Moved to"),
    tooltip=["deflected_to:N", "conversations:Q"],
).properties(
    width=480,
    height=alt.Step(28),
    title=alt.TitleParams(
        "Where deflected conversations go",
        subtitle=f"Out of {conv.height:,} conversations; a move to DM is not counted",
    ),
)

# %%
deflection_by_brand = (
    toolkit.kpis(messages, by="brand")
    .filter(pl.col("conversations") >= 30)
    .select("brand", "conversations", "deflection_rate")
    .sort("deflection_rate", descending=True)
)
charts.ranked_bars(
    deflection_by_brand.with_columns(deflection_pct=pl.col("deflection_rate") * 100),
    label="brand",
    value="deflection_pct",
    title="Deflection rate by brand",
    value_title="Conversations moved to phone, email or chat (%)",
    fmt=".1f",
    subtitle="Brands with at least 30 conversations",
    top=15,
).properties(width=520)

# %% [markdown]
# ## What the numbers say

# %%
overall = toolkit.kpis(messages).row(0, named=True)
negative_share = label_shares.filter(pl.col("label") == "negative")["share"].sum()
print(
    f"{negative_share:.0%} of customer messages read as negative. Of the {eligible.height:,} conversations "
    f"that start negative and continue, {overall['sentiment_conversion_rate']:.0%} end on a positive "
    f"customer message and {overall['sentiment_neutral_or_better_rate']:.0%} at least on a neutral one."
)
if converting.height:
    top_brand, low_brand = converting.row(0, named=True), converting.row(-1, named=True)
    print(
        f"Among brands with at least {MIN_CONVERSATIONS} such conversations, {top_brand['brand']} converts "
        f"{top_brand['sentiment_conversion_rate']:.0%} and {low_brand['brand']} {low_brand['sentiment_conversion_rate']:.0%}."
    )
def pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.0%}"


for row in speed.iter_rows(named=True):
    outcome = "end positive" if row["metric"] == "sentiment_conversion_rate" else "end neutral or positive"
    if row["p_value"] is None:
        verdict = "too few conversations to test"
    elif row["p_value"] < 0.05:
        verdict = f"a significant difference (p = {row['p_value']:.3f})"
    else:
        verdict = f"no significant difference (p = {row['p_value']:.2f})"
    print(
        f"With a first reply within {FAST_REPLY_SECONDS // 60} min, {pct(row['a'])} of {row['n_a']} negative "
        f"starts {outcome}; with a later reply {pct(row['b'])} of {row['n_b']}: {verdict}."
    )
top_channel = deflected.sort("conversations", descending=True).row(0, named=True) if deflected.height else None
print(
    f"{overall['deflection_rate']:.1%} of conversations were moved off the public thread"
    + (
        f", most often to {top_channel['deflected_to']} ({top_channel['conversations']:,} conversations)."
        if top_channel
        else "."
    )
)
