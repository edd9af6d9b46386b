# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 07 · Outcomes: resolution, honest waiting times, defection and revenue, listening
#
# Speed is not the whole story. This notebook asks what happened to customers after they wrote:
#
# * **Were their cases resolved**, and at the first contact?
# * **How long did they really wait?** The usual median reply time only looks at turns that got
#   a reply. Kaplan-Meier counts the unanswered turns too, as still waiting at the end of the data.
# * **Did customers leave after a bad experience**, and how much monthly revenue went with them?
#   That needs a *customers table* beside the log (`customer_id`, `vip`, `followers`,
#   `monthly_revenue`, `churned_at`, `segment`).
# * **What is said about the brand without addressing it** (untagged mentions), and do we answer?
#
# It runs on the bundled synthetic sample and its customers table, in which churn was planted to
# rise after bad experiences (see `sample_data/README.md`). Definitions: `docs/outcomes.md`.

# %%
import altair as alt
import polars as pl

import toolkit
from toolkit.present import charts

messages = toolkit.read_messages(toolkit.sample_path())
customers_load = toolkit.load_customers(toolkit.sample_customers_path())
customers = customers_load.customers
print(customers_load.quality.summary())
customers.head()

# %% [markdown]
# ## Resolution and first-contact resolution
#
# The sample has a `resolved_at` column, so a conversation is resolved when it is set. Without it
# the toolkit infers resolution: the last message is a human reply and the customer stays silent
# for 72 hours after it (`resolution_basis` says which rule was used).

# %%
overall = toolkit.kpis(messages, customers=customers)
overall.select(
    "resolution_rate", "resolution_basis", "resolution_median_s", "fcr_rate",
    "art_median_s", "art_km_median_s", "frt_median_s", "frt_km_median_s", "reply_within_24h",
)

# %% [markdown]
# ## How long customers really wait
#
# The curve is the share of turns still waiting for a reply t hours after the customer wrote.
# The answered-only median (orange) is where half of the *answered* turns had their reply; the
# Kaplan-Meier median (blue) is where half of *all* turns had theirs.

# %%
tables = toolkit.kpi_tables(messages, customers=customers)
curve = toolkit.reply_survival(tables.turns)
row = overall.row(0, named=True)
charts.survival_chart(curve, naive_median_s=row["art_median_s"], km_median_s=row["art_km_median_s"])

# %% [markdown]
# By channel: the naive median flatters the channels that leave many customers unanswered.

# %%
by_channel = toolkit.kpis(messages, by="channel").select(
    "channel", "reply_rate", "art_median_s", "art_km_median_s", "reply_within_24h"
).with_columns((pl.col("art_km_median_s") / pl.col("art_median_s")).alias("honest_over_naive"))
by_channel

# %% [markdown]
# ## Defection after a bad experience
#
# A customer had a bad experience when one of their conversations has an unanswered or SLA-missed
# turn, or ends on a negative customer message. Defection: `churned_at` within 90 days after the
# start of their first conversation in the data. `compare --split experience` puts the two groups
# side by side with a test, like every comparison.

# %%
experience = toolkit.compare(messages, "experience", customers=customers)
for sentence in experience["sentence"]:
    print(sentence)
experience.select("metric", "a", "b", "ci_low", "ci_high", "p_value", "test")

# %% [markdown]
# The customers' columns are dimensions like any other: VIPs and segments.

# %%
by_vip = toolkit.kpis(messages, customers=customers, by=["segment", "vip"]).select(
    "segment", "vip", "conversations", "defection_rate", "arpu", "churned_revenue", "frt_km_median_s"
)
by_vip

# %%
defection = experience.filter(pl.col("metric") == "defection_rate").row(0, named=True)
bars = pl.DataFrame({
    "customers": ["with a bad experience", "the others"],
    "defection_rate": [defection["a"], defection["b"]],
})
alt.Chart(bars.to_pandas()).mark_bar().encode(
    x=alt.X("defection_rate:Q", axis=alt.Axis(format=".0%"), title="Left within 90 days"),
    y=alt.Y("customers:N", title=None),
).properties(title="Defection after a bad experience", width=420)

# %% [markdown]
# ## Listening: untagged mentions
#
# In the sample some Twitter and Instagram conversations start by naming the brand without
# addressing its care handle (`mention_type` = `untagged`). A log without that column gets it from
# the text with `toolkit.detect_mentions(messages, handles=[...])`.

# %%
listening = toolkit.kpis(messages, by="brand").select(
    "brand", "untagged_mentions", "engagement_rate", "speed_of_connection_median_s", "care_mentions", "reply_rate"
)
detected = toolkit.detect_mentions(messages.drop("mention_type"), handles=["@NorthwindHelp", "Northwind", "@ContosoHelp", "Contoso"])
agreement = (detected["mention_type"] == messages["mention_type"]).mean()
listening

# %%
print(
    f"Resolved: {row['resolution_rate']:.0%} of conversations, {row['fcr_rate']:.0%} of them at the first contact."
)
print(
    f"Half of the answered turns got a reply within {row['art_median_s'] / 60:.0f} min, but counting the "
    f"unanswered ones half of all turns waited {row['art_km_median_s'] / 60:.0f} min or more; "
    f"{row['reply_within_24h']:.0%} were answered within 24 h."
)
print(
    f"Customers with a bad experience left {defection['a'] / defection['b']:.1f}x as often "
    f"({defection['a']:.0%} vs {defection['b']:.0%}, p = {defection['p_value']:.1g}); "
    f"{row['churned_revenue']:,.0f} of monthly revenue left with the defectors."
)
print(
    f"{row['untagged_mentions']:,} untagged mentions; the team engaged {row['engagement_rate']:.0%} of those "
    f"conversations against a {row['reply_rate']:.0%} reply rate overall. detect_mentions agrees with the "
    f"export's mention_type on {agreement:.0%} of messages."
)
