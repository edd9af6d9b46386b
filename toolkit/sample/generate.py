"""Seeded synthetic message log with a known story: the toolkit's sample data.

The generator writes a social customer-care inbox (two fictional brands, five channels, a team
of agents with opening hours) in the ``generic`` layout of the spec. Every effect the toolkit's
comparisons are meant to reveal is planted on purpose and documented in
``sample_data/README.md``: out-of-hours waits, a bot that answers at night, a promotion peak and a
holiday peak with slower replies, a process change that cuts handling time, slow agents, an agent
who improves, bursts, brand-first conversations, unanswered turns, deflections, channel switchers,
sentiment that turns positive after fast replies, CSAT/NPS that are better when replies are fast.

Everything is vectorised with numpy; the only Python loops run over turn number (at most
``_MAX_TURNS``) and burst position (at most 4), never over conversations or rows, so 200 000
conversations take a few seconds.

Examples
--------
>>> from toolkit.sample.generate import generate_sample
>>> df = generate_sample(conversations=500, seed=1)
>>> df.columns[:4]
['message_id', 'conversation_id', 'in_reply_to', 'created_at']
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from toolkit.present.i18n import _

__all__ = [
    "AGENTS",
    "BRANDS",
    "CHANNELS",
    "COLUMNS",
    "DAYS",
    "OPENING_HOURS",
    "TEAM_TIMEZONE",
    "generate_sample",
    "sample_story",
    "write_sample",
]

# --------------------------------------------------------------------------------------------
# The story's parameters (sample_data/README.md quotes these; keep both in step).
# --------------------------------------------------------------------------------------------

#: Output columns, in order: the canonical names of the ``generic`` preset.
COLUMNS: tuple[str, ...] = (
    "message_id",
    "conversation_id",
    "in_reply_to",
    "created_at",
    "direction",
    "channel",
    "customer_id",
    "agent_id",
    "brand",
    "is_bot",
    "category",
    "subcategory",
    "sentiment",
    "text",
    "handle_seconds",
    "template",
    "resolved_at",
    "deflected_to",
    "csat",
    "nps",
    "mention_type",
)

#: Columns of the sample customers table (``write_sample_customers``).
CUSTOMER_COLUMNS: tuple[str, ...] = (
    "customer_id", "vip", "followers", "monthly_revenue", "churned_at", "segment",
)
#: Share of customers who defect within 90 days of their first conversation: after a good
#: experience, after a bad one (an unanswered or SLA-missed turn, or a negative last message).
_CHURN_GOOD, _CHURN_BAD = 0.04, 0.13
#: Untagged mentions (naming the brand without addressing it) on Twitter and Instagram: the share
#: of conversations that never got a human reply, and of those that did (brands miss them).
_UNTAGGED_UNANSWERED, _UNTAGGED_ANSWERED = 0.30, 0.06

TEAM_TIMEZONE = "America/New_York"
#: Length of the log in local calendar days (Sep 1 .. Nov 30 for the default start).
DAYS = 91
#: Weekday (0 = Monday) -> (opening hour, closing hour), local time; Sunday closed.
OPENING_HOURS: dict[int, tuple[int, int]] = {
    0: (8, 20),
    1: (8, 20),
    2: (8, 20),
    3: (8, 20),
    4: (8, 20),
    5: (9, 17),
}

# Day offsets from ``start`` (local dates). Offsets rather than fixed dates so that another
# ``start`` still yields the whole story; for the default start they are the dates in comments.
_PROMO = (43, 45)  # 2025-10-14 .. 2025-10-16 "Autumn sale"
_PROMO_VOLUME = 3.2
_PROCESS_CHANGE = 49  # 2025-10-20 "new reply workflow"
_PROCESS_HANDLE_FACTOR = 0.75  # handle_seconds -25 % from that day on
_CLOSED = (0, 87)  # 2025-09-01 Labor Day, 2025-11-27 Thanksgiving: team closed all day
_HOLIDAY = (88, 90)  # 2025-11-28 .. 2025-11-30 "Black Friday weekend"
_HOLIDAY_VOLUME = 3.5
#: Reply delays (in open time) on peak days: same staff, ~3x the work.
_PEAK_DELAY_FACTOR = 2.3

BRANDS: tuple[str, ...] = ("Northwind", "Contoso")
_BRAND_P = np.array([0.6, 0.4])
_ORDER_PREFIX = ("NW", "CT")

CHANNELS: tuple[str, ...] = ("twitter", "facebook", "instagram", "email", "chat")
#: How customers name the channel they came from (channel switchers' texts).
_CHANNEL_LABEL = ("Twitter", "Facebook", "Instagram", "email", "chat")
# Channel mix per brand (rows follow BRANDS).
_CHANNEL_P = np.array(
    [
        [0.28, 0.18, 0.22, 0.17, 0.15],
        [0.36, 0.26, 0.06, 0.18, 0.14],
    ]
)
_SOCIAL = np.array([True, True, True, False, False])
#: Reply-delay factor per channel (chat is live, email is a queue).
_CHANNEL_DELAY = np.array([0.9, 1.3, 1.2, 3.0, 0.25])
#: Handling-time factor per channel (emails are long, chats are short).
_CHANNEL_HANDLE = np.array([1.0, 1.0, 0.9, 2.2, 0.8])
#: Probability that a turn gets a human answer, per channel.
_CHANNEL_ANSWER = np.array([0.9, 0.9, 0.85, 0.96, 0.97])
#: Median gap between an agent's reply and the customer's next message, seconds.
_CHANNEL_GAP = np.array([1800.0, 1800.0, 1800.0, 3 * 3600.0, 180.0])

CATEGORIES: tuple[str, ...] = ("customer service", "marketing", "PR")
_CS, _MKT, _PR = 0, 1, 2
# Category mix per channel (rows follow CHANNELS); peak days shift towards marketing.
_CATEGORY_P = np.array(
    [
        [0.70, 0.18, 0.12],
        [0.78, 0.15, 0.07],
        [0.60, 0.30, 0.10],
        [0.92, 0.04, 0.04],
        [0.97, 0.03, 0.00],
    ]
)
_CATEGORY_P_PEAK = np.array([0.70, 0.25, 0.05])
_CATEGORY_DELAY = np.array([1.0, 1.4, 1.2])
_CATEGORY_ANSWER = np.array([1.0, 0.75, 0.85])
SUBCATEGORIES: tuple[str, ...] = (
    "delivery",
    "product",
    "website",
    "billing",
    "promotion",
    "feedback",
    "press",
    "sponsorship",
)
# Subcategory index ranges and shares within each category.
_SUB_OF_CAT = ((0, 1, 2, 3), (4, 5), (6, 7))
_SUB_P = (np.array([0.4, 0.25, 0.15, 0.2]), np.array([0.6, 0.4]), np.array([0.6, 0.4]))

#: Agents: id, fictional name; sign-offs use the name (no real people).
_AGENT_NAMES = (
    "Alex Moreno", "Bea Kaur", "Cam Reyes", "Dana Holt", "Eli Brooks", "Fay Nolan",
    "Gus Patel", "Hana Ito", "Ivy Lund", "Jon Vance", "Kai Ortiz", "Lena Marsh",
    "Max Ueda", "Nia Cole", "Omar Said", "Pia Lang", "Quinn Abbot", "Rosa Diaz",
    "Sam Yoon", "Tess Quill", "Uma Bell", "Vic Hart", "Wren Ali", "Xan Ford",
    "Yara Nunez", "Zoe Park", "Ben Ward", "Cleo Fox", "Dev Rao", "Ezra Lowe",
)  # fmt: skip
AGENTS: tuple[str, ...] = tuple(f"A{i + 1:02d}" for i in range(len(_AGENT_NAMES)))
#: Deliberately slow agents: id -> speed multiplier (delay and handling time).
_SLOW_AGENTS = {"A07": 2.2, "A16": 1.9, "A24": 2.4}
#: The new hire who learns: multiplier goes linearly from the first to the second value.
_IMPROVING_AGENT = ("A12", 2.6, 0.85)

_BASE_DELAY_S = 20 * 60.0  # median reply delay in open time before all factors
_DELAY_SIGMA = 0.8
_MAX_DELAY_OPEN_S = 60 * 3600.0
_BASE_HANDLE_S = 150.0
_HANDLE_SIGMA = 0.5
_TEMPLATE_SHARE = 0.36  # of replies that may use one; ~30 % of all agent messages do
_TEMPLATE_HANDLE = 0.5
_BOT_SHARE = 0.6  # of out-of-hours first messages on social channels and chat
_DEFLECT_SHARE = 0.075  # per answered customer-service turn among the first two
_BRAND_FIRST_SHARE = 0.06
_SWITCH_SHARE = 0.025
_MAX_TURNS = 6
_BURST_P = np.array([0.68, 0.18, 0.09, 0.05])  # 1, 2, 3, 4 messages in a turn
_CSAT_SHARE = 0.3
_NPS_SHARE = 0.15
_RESOLVED_SHARE = 0.7
_LOCAL_OFFSET_SHARE = 0.03  # rows written with a -04:00/-05:00 offset instead of Z

_HOUR_W = np.array(
    [0.25, 0.18, 0.12, 0.1, 0.1, 0.15, 0.3, 0.55, 0.85, 1.0, 1.05, 1.05,
     1.1, 1.05, 1.0, 1.0, 1.0, 1.05, 1.1, 1.15, 1.1, 0.95, 0.7, 0.45]
)  # fmt: skip
_DOW_W = np.array([1.15, 1.05, 1.0, 1.0, 0.95, 0.7, 0.65])

# --------------------------------------------------------------------------------------------
# Texts. Placeholders: {order} {item} {amount} {day} {days} {brand} {brandlow} {prevch} {sig}.
# --------------------------------------------------------------------------------------------
_STATES = ("neg", "neu", "pos")

_TEXTS: dict[str, tuple[str, ...]] = {
    "C_delivery_neg": (
        "My order {order} was supposed to arrive {day} and it's still not here. Where is it?",
        "Tracking for {order} hasn't moved in 5 days. Really disappointed.",
        "Ordered a {item} two weeks ago ({order}) and nothing. Can someone actually help?",
        "Courier says delivered but there is no parcel. Order {order}. Not happy.",
        "Where is my {item}?? Order {order}, paid for express shipping.",
    ),
    "C_delivery_neu": (
        "Hi, can you tell me when order {order} will ship?",
        "Hello, is it possible to change the delivery address for {order}?",
        "Quick question: do you deliver on Saturdays? Waiting on {order}.",
        "Hi! How long does delivery of a {item} to Canada take?",
    ),
    "C_delivery_pos": (
        "Hi, my {item} arrived early, thanks! Is the second parcel of {order} on its way too?",
        "Love the packaging! One question about the tracking for {order}.",
    ),
    "C_product_neg": (
        "The zipper on my new {item} broke after two days. Order {order}.",
        "The {item} I got is the wrong size and the colour looks nothing like the photos.",
        "Really poor quality {item}, it's already falling apart. Order {order}.",
    ),
    "C_product_neu": (
        "Is the {item} waterproof or just water resistant?",
        "Do you have the {item} in size M? It shows out of stock online.",
        "What's the warranty on the {item}?",
    ),
    "C_product_pos": (
        "Absolutely love my new {item}! Will it come in other colours?",
        "Great {item}, best purchase this year. Is there a matching one for kids?",
    ),
    "C_website_neg": (
        "Your checkout keeps failing with an error. Tried 4 times to buy the {item}.",
        "Can't log in to my account, the password reset email never arrives. So annoying.",
        "The app crashes every time I open my orders. Please fix it.",
    ),
    "C_website_neu": (
        "Hi, how do I update my email address on the website?",
        "Is there a way to save items to a wishlist in the app?",
        "Where do I find the invoice for order {order} on the site?",
    ),
    "C_website_pos": ("The new app is great! I just can't find where to enter a gift card.",),
    "C_billing_neg": (
        "I was charged twice for order {order}! {amount} taken two times. Please fix.",
        "Still waiting on my refund of {amount} for {order}. It's been 3 weeks.",
        "Why was I charged {amount} for shipping? Nobody told me.",
    ),
    "C_billing_neu": (
        "Hi, when will the refund for {order} show on my card?",
        "Can I pay for order {order} with two different cards?",
        "Do you accept PayPal?",
    ),
    "C_billing_pos": (
        "Thanks for the quick refund last time! Question about a charge of {amount} on {order}.",
    ),
    "C_promotion_neg": (
        "The discount code doesn't work on the {item}. False advertising?",
        "Why is the {item} cheaper on your website than in your email offer?",
    ),
    "C_promotion_neu": (
        "Will the {item} be included in the next sale?",
        "Do you do student discounts?",
        "Is free shipping still on this week?",
    ),
    "C_promotion_pos": (
        "Just grabbed the {item} in your sale, such a good deal!",
        "Love your new campaign! Any discount codes for followers?",
    ),
    "C_feedback_neg": (
        "Your new ad is honestly a bit tone deaf.",
        "I stopped getting your newsletter and the unsubscribe link is broken anyway.",
    ),
    "C_feedback_neu": (
        "Can you bring back the old {item} design?",
        "Suggestion: add more sizes for the {item}.",
    ),
    "C_feedback_pos": (
        "Big fan of {brand}, the {item} is my favourite thing I own.",
        "Your team was super helpful in store today, thanks!",
    ),
    "C_press_neg": (
        "Is it true {brand} is closing stores? Customers deserve an answer.",
        "Saw the news about the recall. Is my {item} affected?",
    ),
    "C_press_neu": (
        "Hi, I'm writing an article about holiday retail. Who can I speak to at {brand}?",
        "Is there a press contact for {brand}?",
    ),
    "C_press_pos": ("Congrats on the sustainability award, {brand}!",),
    "C_sponsorship_neg": ("Why is {brand} sponsoring that event? Disappointed.",),
    "C_sponsorship_neu": (
        "Hi, we run a local hiking club. Does {brand} sponsor community events?",
        "Who handles partnerships at {brand}?",
    ),
    "C_sponsorship_pos": ("Loved seeing {brand} at the marathon this weekend!",),
    "C_burst_neg": (
        "Hello??",
        "Anyone there?",
        "Order number is {order} btw",
        "This is ridiculous.",
        "Still waiting...",
        "Can someone please reply.",
    ),
    "C_burst_neu": (
        "Order number {order}",
        "Thanks in advance",
        "Sorry, forgot to add: it's the {item}",
        "It's a bit urgent, thanks",
    ),
    "C_burst_pos": ("Thanks!", "Oh and the {item} is amazing btw", ":)"),
    "C_follow_neg": (
        "That doesn't help at all. I still don't have my {item}.",
        "I've already tried that. Still nothing.",
        "So I have to wait even longer? Unbelievable.",
        "Nobody has contacted me yet about {order}.",
    ),
    "C_follow_neu": (
        "Ok, the order number is {order}.",
        "Sent you a DM.",
        "Alright, I'll wait then.",
        "Which email address should I use?",
        "Ok. And how long will that take?",
    ),
    "C_follow_pos": (
        "Perfect, thank you so much!",
        "That worked, thanks for the quick help!",
        "Great, got it. Have a nice day!",
        "Amazing service, thank you!",
    ),
    "C_switch_neg": (
        ("I wrote to you on {prevch} two days ago and nobody replied. Order {order} still hasn't "
        "arrived."),
        "Tried {prevch} first, no answer. Hoping this works better: where is order {order}?",
        "No reply on {prevch}, so here I am. I need help with order {order}.",
    ),
    "C_bfmk_neg": (
        "Please stop sending me these.",
        "Your prices went up right before the sale, not a real discount.",
    ),
    "C_bfmk_neu": ("Does the offer include the {item}?", "How long does the offer last?"),
    "C_bfmk_pos": ("Ooh, just ordered the {item}!", "Thanks for the heads up!"),
    "C_bfsv_neg": (
        "A delay again? This is the second time.",
        "I needed it by the weekend, very disappointing.",
    ),
    "C_bfsv_neu": ("Ok, thanks for letting me know. Any new date?",),
    "C_bfsv_pos": ("Thanks for the update, appreciate it!", "No problem, thanks for telling me."),
    "BF_mk": (
        "New in: the {item} is back in stock in all sizes. {sig}",
        "Hi! You left a {item} in your cart, it's 15% off this week. {sig}",
        "Thanks for being a {brand} member! Here's early access to our next sale. {sig}",
    ),
    "BF_sv": (
        "Hi, we're sorry: your order {order} is delayed by 2 days because of a courier issue. {sig}",
        "Hi, a quick heads up: the {item} from order {order} ships separately. {sig}",
        "Hi, we noticed your payment for {order} didn't go through. Can we help? {sig}",
    ),
    "BOT": (
        ("Thanks for your message! Our team is available Mon-Fri 8am-8pm and Sat 9am-5pm ET and "
        "will get back to you as soon as we're back."),
        ("Hi! We're offline right now (Mon-Fri 8am-8pm, Sat 9am-5pm ET). We'll reply as soon as "
        "we can."),
        "Thanks for contacting {brand}! Our agents are away; your message is in the queue.",
    ),
    "R_delivery": (
        ("Hi, sorry about the wait! I've checked {order} and it's with the courier, due in {days} "
        "days. {sig}"),
        ("So sorry about this. I've opened a trace with the carrier for {order} and will update "
        "you within 48h. {sig}"),
        ("Thanks for your patience. {order} left our warehouse {day}, it should reach you in "
        "{days} days. {sig}"),
    ),
    "R_product": (
        ("Sorry to hear that! We'll send a replacement {item} right away, no need to return the "
        "old one. {sig}"),
        "Great question! The {item} is fully waterproof and has a 2-year warranty. {sig}",
        "Thanks for the feedback, I've passed it on to our product team. {sig}",
    ),
    "R_website": (
        ("Sorry about that! We had a short outage, it should work again now. Could you try once "
        "more? {sig}"),
        "You can change that under Account > Settings. Shout if you get stuck! {sig}",
        "Thanks for flagging this, our web team is on it. {sig}",
    ),
    "R_billing": (
        ("Sorry for the trouble! I can see the double charge on {order}; the extra {amount} is "
        "refunded and shows in 3-5 days. {sig}"),
        "Refunds take 5-7 working days to show. Yours for {order} was issued {day}. {sig}",
        "We accept all major cards and PayPal. {sig}",
    ),
    "R_promotion": (
        "The sale runs until Sunday and includes most outdoor gear! {sig}",
        "Sorry the code didn't work, here's a new one: SAVE15. {sig}",
        "Thanks! Keep an eye on our page, more offers soon. {sig}",
    ),
    "R_feedback": (
        "Thanks so much for the feedback, we've shared it with the team! {sig}",
        "Love hearing this, thank you! {sig}",
        "Sorry to hear that, we'll pass it on. {sig}",
    ),
    "R_press": (
        "Thanks for reaching out. Our press office is at press@{brandlow}.example. {sig}",
        "There are no store closures planned, we're happy to confirm. {sig}",
        "Thank you, we're very proud of the team! {sig}",
    ),
    "R_sponsorship": (
        ("Thanks! Our community team reviews requests monthly, please share details via our "
        "website. {sig}"),
        "Thank you, it was a great day! {sig}",
    ),
    "R_follow_neg": (
        ("I'm really sorry. I've escalated {order} to our senior team and will update you by "
        "tomorrow. {sig}"),
        ("Completely understand your frustration. I've arranged a refund of {amount} as a goodwill "
        "gesture. {sig}"),
        "Apologies again, I've chased the courier and it's out for delivery today. {sig}",
    ),
    "R_follow_neu": (
        "Thanks! I've got the details and I'm looking into it now. {sig}",
        "Got it, thanks. I'll update you as soon as I hear back. {sig}",
        "Thanks for confirming. It should be sorted within {days} days. {sig}",
    ),
    "R_follow_pos": (
        "You're welcome! Have a great day. {sig}",
        "Glad we could help! {sig}",
        "Happy to help, enjoy your {item}! {sig}",
    ),
    "D_phone": (
        ("I'm sorry about this. It's easiest to sort out by phone: please call us at "
        "1-800-555-0142 (Mon-Fri 8am-8pm ET). {sig}"),
        ("Please call us at 1-800-555-0142 and quote {order}, our team can fix this right away. "
        "{sig}"),
    ),
    "D_email": (
        ("Could you email us at help@{brandlow}.example with your order number {order}? We'll pick "
        "it up there. {sig}"),
        ("Please email us at help@{brandlow}.example with a photo and we'll arrange a replacement. "
        "{sig}"),
    ),
    "D_chat": (
        "This is quickest in live chat: please chat with us at {brandlow}.example/chat. {sig}",
        ("Please chat with us at {brandlow}.example/chat so we can check your account securely. "
        "{sig}"),
    ),
    # Quick replies (saved templates): fixed wording, the template name goes to `template`.
    "T_dm_request": (
        ("Sorry to hear this! Please send us a DM with your order number and we'll take a look. "
        "{sig}"),
    ),
    "T_delivery_delay": (
        ("We're sorry your parcel is late. Most delayed orders arrive within 3 working days; "
        "we'll keep you updated. {sig}"),
    ),
    "T_refund_policy": (
        ("You can return any item within 30 days for a full refund. Refunds show on your card 5-7 "
        "working days after we receive the item. {sig}"),
    ),
    "T_password_reset": (
        ("To reset your password go to Account > Forgot password. If the email doesn't arrive, "
        "check your spam folder. {sig}"),
    ),
    "T_warranty_info": (
        "All our products come with a 2-year warranty. Details: {brandlow}.example/warranty {sig}",
    ),
    "T_promo_info": ("Our current offers are all at {brandlow}.example/offers. Happy shopping! {sig}",),
    "T_press_contact": ("For press enquiries please write to press@{brandlow}.example. {sig}",),
    "T_thanks_closing": (
        "Thanks for contacting {brand}, we're glad it's sorted. Have a great day! {sig}",
    ),
}

#: Quick-reply templates that fit a first reply, per subcategory (SUBCATEGORIES order).
_TEMPLATES_BY_SUB: tuple[tuple[str, ...], ...] = (
    ("dm_request", "delivery_delay"),
    ("dm_request", "warranty_info"),
    ("password_reset", "dm_request"),
    ("dm_request", "refund_policy"),
    ("promo_info",),
    ("thanks_closing",),
    ("press_contact",),
    ("press_contact",),
)
_DEFLECT_TARGETS = ("phone", "email", "chat")
_DEFLECT_P = np.array([0.5, 0.3, 0.2])

_ITEMS = (
    "rain jacket", "hiking boots", "backpack", "fleece", "tent", "sleeping bag", "beanie",
    "water bottle", "trail shoes", "down vest", "headlamp", "duffel bag",
)  # fmt: skip
_DAY_WORDS = ("yesterday", "on Monday", "last week", "on Friday", "two days ago", "this morning")
_DAYS_WORDS = ("1-2", "2-3", "3-5")

# Texts are addressed by integer codes so the generator never builds strings per row; the
# strings are put together once, column-wise, in ``_assemble``.
_KEYS: tuple[str, ...] = tuple(_TEXTS)
_KEY = {k: i for i, k in enumerate(_KEYS)}
_TEMPLATE_NAMES: tuple[str, ...] = tuple(k[2:] for k in _KEYS if k.startswith("T_"))
_TEMPLATE_CODE = {t: i for i, t in enumerate(_TEMPLATE_NAMES)}
_K_FIRST = np.array([[_KEY[f"C_{s}_{st}"] for st in _STATES] for s in SUBCATEGORIES])
_K_BFMK = np.array([_KEY[f"C_bfmk_{st}"] for st in _STATES])
_K_BFSV = np.array([_KEY[f"C_bfsv_{st}"] for st in _STATES])
_K_BURST = np.array([_KEY[f"C_burst_{st}"] for st in _STATES])
_K_FOLLOW = np.array([_KEY[f"C_follow_{st}"] for st in _STATES])
_K_R_FOLLOW = np.array([_KEY[f"R_follow_{st}"] for st in _STATES])
_K_R_SUB = np.array([_KEY[f"R_{s}"] for s in SUBCATEGORIES])
_K_TEMPLATE = np.array([_KEY[f"T_{t}"] for t in _TEMPLATE_NAMES])
_K_DEFLECT = np.array([_KEY[f"D_{d}"] for d in _DEFLECT_TARGETS])
# Templates per subcategory as codes, padded with -1 (rows of a rectangular table).
_TMPL_BY_SUB = np.full((len(SUBCATEGORIES), 2), -1)
_TMPL_N = np.array([len(t) for t in _TEMPLATES_BY_SUB])
for _s, _names in enumerate(_TEMPLATES_BY_SUB):
    _TMPL_BY_SUB[_s, : len(_names)] = [_TEMPLATE_CODE[t] for t in _names]
_T_DM = _TEMPLATE_CODE["dm_request"]
_T_THANKS = _TEMPLATE_CODE["thanks_closing"]

# Every text variant split at its placeholders: literal, placeholder, literal, ...
_PLACEHOLDERS = ("order", "item", "amount", "day", "days", "brand", "brandlow", "prevch", "sig")
_FLAT: list[str] = [t for k in _KEYS for t in _TEXTS[k]]
_KEY_COUNT = np.array([len(_TEXTS[k]) for k in _KEYS])
_KEY_OFFSET = np.concatenate([[0], np.cumsum(_KEY_COUNT)[:-1]])
_SPLIT = [re.split(r"\{(\w+)\}", t) for t in _FLAT]
_N_PH = max(len(p) // 2 for p in _SPLIT)
_SEG_LIT: list[list[str]] = [
    [p[2 * i] if 2 * i < len(p) else "" for p in _SPLIT] for i in range(_N_PH + 1)
]
_SEG_PH = np.array(
    [
        [_PLACEHOLDERS.index(p[2 * i + 1]) if 2 * i + 1 < len(p) else -1 for p in _SPLIT]
        for i in range(_N_PH)
    ]
).reshape(_N_PH, len(_FLAT))


# --------------------------------------------------------------------------------------------
# Time helpers
# --------------------------------------------------------------------------------------------


def _local_midnight_epoch(day: dt.date) -> int:
    """Epoch seconds (UTC) of local midnight of ``day`` in the team timezone (DST-exact)."""
    s = pl.Series([dt.datetime(day.year, day.month, day.day)])
    return int(s.dt.replace_time_zone(TEAM_TIMEZONE).dt.epoch("s")[0])


class _Clock:
    """Opening hours on a one-minute UTC grid, with open-time arithmetic.

    ``open_seconds(t)`` counts opening-hours seconds since the grid start; its inverse
    ``at_open_seconds(c)`` gives the first instant when that much open time has passed. A reply
    due ``d`` seconds of working time after ``t`` is ``at_open_seconds(open_seconds(t) + d)``,
    which makes out-of-hours messages wait for the next opening on their own.
    """

    def __init__(self, start: dt.date, days: int) -> None:
        self.base = _local_midnight_epoch(start)
        self.end = _local_midnight_epoch(start + dt.timedelta(days=days))
        # Grid runs two weeks past the end so replies to late messages can be placed (then cut).
        n = ((self.end - self.base) // 60) + 14 * 1440
        utc = pl.Series(
            "t", (self.base + 60 * np.arange(n, dtype=np.int64)) * 1_000_000
        ).cast(pl.Datetime("us", "UTC"))
        local = utc.dt.convert_time_zone(TEAM_TIMEZONE)
        self.weekday = local.dt.weekday().to_numpy().astype(np.int64) - 1  # 0 = Monday
        self.hour = local.dt.hour().to_numpy().astype(np.int64)
        self.day = (local.dt.date() - start).dt.total_days().to_numpy().astype(np.int64)
        opens = np.full(7, 99)
        closes = np.full(7, -1)
        for wd, (o, c) in OPENING_HOURS.items():
            opens[wd], closes[wd] = o, c
        is_open = (self.hour >= opens[self.weekday]) & (self.hour < closes[self.weekday])
        is_open &= ~np.isin(self.day, _CLOSED)
        self.open = is_open
        per_min = 60 * is_open.astype(np.int64)
        self.cum_end = np.cumsum(per_min)
        self.cum_start = self.cum_end - per_min

    def _idx(self, t: np.ndarray) -> np.ndarray:
        return np.clip((t - self.base) // 60, 0, self.open.size - 1)

    def is_open(self, t: np.ndarray) -> np.ndarray:
        return self.open[self._idx(t)]

    def day_of(self, t: np.ndarray) -> np.ndarray:
        return self.day[self._idx(t)]

    def open_seconds(self, t: np.ndarray) -> np.ndarray:
        i = self._idx(t)
        return self.cum_start[i] + self.open[i] * (t - self.base - 60 * i)

    def at_open_seconds(self, c: np.ndarray) -> np.ndarray:
        i = np.clip(np.searchsorted(self.cum_end, c, side="left"), 0, self.open.size - 1)
        return self.base + 60 * i + (c - self.cum_start[i])


def _in_days(day: np.ndarray, span: tuple[int, int]) -> np.ndarray:
    return (day >= span[0]) & (day <= span[1])


def _sample_times(
    rng: np.random.Generator, clock: _Clock, n: int, weight: np.ndarray
) -> np.ndarray:
    """Draw ``n`` instants (epoch s) from hourly weights laid on the grid's first hours."""
    p = weight / weight.sum()
    hour = rng.choice(p.size, size=n, p=p)
    return clock.base + 3600 * hour + rng.integers(0, 3600, size=n)


def _score(rng: np.random.Generator, state: np.ndarray) -> np.ndarray:
    """Sentiment score in the band of ``state`` (-1 negative, 0 neutral, 1 positive)."""
    lo = np.array([-0.95, -0.15, 0.25])[state + 1]
    hi = np.array([-0.25, 0.15, 0.95])[state + 1]
    return np.round(lo + (hi - lo) * rng.random(state.size), 3)


def _draw_state(rng: np.random.Generator, p: np.ndarray) -> np.ndarray:
    """Draw states -1/0/1 from rows of probabilities ``p`` (n x 3: neg, neu, pos)."""
    u = rng.random(p.shape[0])
    return np.where(u < p[:, 0], -1, np.where(u < p[:, 0] + p[:, 1], 0, 1))


def _choose_rows(rng: np.random.Generator, p: np.ndarray) -> np.ndarray:
    """Per-row categorical draw from rows of probabilities ``p`` (n x k)."""
    c = np.cumsum(p, axis=1)
    c[:, -1] = 1.0
    return (rng.random(p.shape[0])[:, None] >= c).sum(axis=1)


# --------------------------------------------------------------------------------------------
# Generator
# --------------------------------------------------------------------------------------------


class _Log:
    """Accumulates message chunks as numpy arrays; ``uid`` is the creation counter."""

    def __init__(self) -> None:
        self.chunks: list[dict[str, np.ndarray]] = []
        self.next_uid = 0

    def add(
        self,
        conv: np.ndarray,
        t: np.ndarray,
        *,
        outbound: bool,
        key: np.ndarray | int,
        reply_to: np.ndarray | None = None,
        bot: bool = False,
        agent: np.ndarray | None = None,
        sentiment: np.ndarray | None = None,
        handle: np.ndarray | None = None,
        template: np.ndarray | None = None,
        deflect: np.ndarray | None = None,
    ) -> np.ndarray:
        """Append messages (all arrays aligned with ``conv``); return their uids."""
        n = conv.size
        uid = np.arange(self.next_uid, self.next_uid + n, dtype=np.int64)
        self.next_uid += n

        def ints(a: np.ndarray | int | None) -> np.ndarray:
            return np.broadcast_to(np.asarray(-1 if a is None else a, np.int64), (n,))

        def floats(a: np.ndarray | None) -> np.ndarray:
            return np.full(n, np.nan) if a is None else np.asarray(a, np.float64)

        self.chunks.append(
            {
                "conv": conv.astype(np.int64),
                "t": t.astype(np.int64),
                "outbound": np.full(n, outbound),
                "is_bot": np.full(n, bot),
                "agent": ints(agent),
                "key": ints(key),
                "sentiment": floats(sentiment),
                "handle_seconds": floats(handle),
                "template": ints(template),
                "deflect": ints(deflect),
                "uid": uid,
                "reply_to": ints(reply_to),
            }
        )
        return uid

    def arrays(self) -> dict[str, np.ndarray]:
        return {k: np.concatenate([c[k] for c in self.chunks]) for k in self.chunks[0]}


def _agent_speed(agent: np.ndarray, t: np.ndarray, clock: _Clock, base: np.ndarray) -> np.ndarray:
    """Speed multiplier of ``agent`` at ``t`` (the improving agent gets faster over time)."""
    aid, first, last = _IMPROVING_AGENT
    frac = np.clip((t - clock.base) / (clock.end - clock.base), 0.0, 1.0)
    return np.where(agent == AGENTS.index(aid), first + (last - first) * frac, base[agent])


def generate_sample(
    *, conversations: int = 12000, seed: int = 7, start: str = "2025-09-01"
) -> pl.DataFrame:
    """Generate the seeded synthetic message log (``generic`` layout) with a planted story.

    Parameters
    ----------
    conversations : int, default 12000
        Number of conversations to create (customer-started, brand-started and the follow-ups of
        channel switchers together). Messages that would fall after the end of the period are
        cut, as an export would cut them, so a few late conversations lose replies or vanish.
    seed : int, default 7
        Seed of the numpy generator; the same seed gives the same frame.
    start : str, default "2025-09-01"
        First local day (``YYYY-MM-DD``, team timezone). The log covers ``DAYS`` (91) days; the
        story's events sit at fixed day offsets from it (see ``sample_story``).

    Returns
    -------
    pl.DataFrame
        One row per message with the columns of ``COLUMNS``; ``created_at`` and ``resolved_at``
        are ``Datetime("us", "UTC")`` at whole seconds. Rows are in nearly, not exactly,
        chronological order (as exports are); ``message_id`` follows row order.

    Raises
    ------
    ValueError
        If ``conversations`` is below 1 or ``start`` is not an ISO date.
    """
    if conversations < 1:
        raise ValueError(_("conversations must be at least 1"))
    start_day = dt.date.fromisoformat(start)
    rng = np.random.default_rng(seed)
    clock = _Clock(start_day, DAYS)
    n_hours = (clock.end - clock.base) // 3600
    hours = np.arange(n_hours) * 60  # minute-grid index of each hour
    h_day, h_wd, h_hour = clock.day[hours], clock.weekday[hours], clock.hour[hours]
    h_peak = _in_days(h_day, _PROMO) | _in_days(h_day, _HOLIDAY)

    # ---- conversations -------------------------------------------------------------------
    n_bf = round(_BRAND_FIRST_SHARE * conversations)
    n_sw = round(_SWITCH_SHARE * conversations)
    n_cust = conversations - n_bf - n_sw

    volume = np.ones(n_hours)
    volume[_in_days(h_day, _PROMO)] = _PROMO_VOLUME
    volume[_in_days(h_day, _HOLIDAY)] = _HOLIDAY_VOLUME
    t_cust = _sample_times(rng, clock, n_cust, _DOW_W[h_wd] * _HOUR_W[h_hour] * volume)
    # Brand-started conversations are sent by agents, so only in opening hours; marketing
    # outreach clusters on the promotion days.
    bf_w = clock.open[hours] * np.where(_in_days(h_day, _PROMO), 4.0, 1.0)
    t_bf = _sample_times(rng, clock, n_bf, bf_w)

    brand_c = rng.choice(2, size=n_cust, p=_BRAND_P)
    channel_c = _choose_rows(rng, _CHANNEL_P[brand_c])
    cat_p = _CATEGORY_P[channel_c]
    # Peak days bring more marketing chatter (sale questions), except in the service chat.
    peak_c = h_peak[(t_cust - clock.base) // 3600] & (channel_c != 4)
    cat_p[peak_c] = _CATEGORY_P_PEAK
    cat_c = _choose_rows(rng, cat_p)

    brand_b = rng.choice(2, size=n_bf, p=_BRAND_P)
    channel_b = rng.choice(4, size=n_bf, p=[0.35, 0.25, 0.25, 0.15])
    cat_b = np.where(rng.random(n_bf) < 0.6, _MKT, _CS)

    # Channel switchers: a social customer-service conversation left unanswered, then the same
    # customer writes again by email or chat 26-60 h later.
    eligible = np.flatnonzero(_SOCIAL[channel_c] & (cat_c == _CS))
    origin = rng.choice(eligible, size=min(n_sw, eligible.size), replace=False)
    n_sw = origin.size
    t_sw = t_cust[origin] + rng.integers(26 * 3600, 60 * 3600, size=n_sw)

    brand = np.concatenate([brand_c, brand_b, brand_c[origin]])
    channel = np.concatenate([channel_c, channel_b, np.where(rng.random(n_sw) < 0.7, 3, 4)])
    cat = np.concatenate([cat_c, cat_b, cat_c[origin]])
    t_start = np.concatenate([t_cust, t_bf, t_sw])
    n_conv = t_start.size
    follower = np.arange(n_conv) >= n_cust + n_bf
    brand_first = (np.arange(n_conv) >= n_cust) & ~follower
    switch_origin = np.zeros(n_conv, bool)
    switch_origin[origin] = True

    sub = np.zeros(n_conv, np.int64)
    for c, subs in enumerate(_SUB_OF_CAT):
        m = cat == c
        sub[m] = np.asarray(subs)[rng.choice(len(subs), size=m.sum(), p=_SUB_P[c])]
    sub[follower] = sub[origin]
    # Brand-started service outreach is about orders (delivery or billing).
    bf_sv = brand_first & (cat == _CS)
    bf_mk = brand_first & (cat == _MKT)
    sub[bf_sv] = np.where(rng.random(bf_sv.sum()) < 0.7, 0, 3)

    # A customer pool smaller than the conversations, skewed: some customers come back.
    n_pool = max(1, n_conv)
    customer = np.floor(n_pool * rng.random(n_conv) ** 1.3).astype(np.int64)
    customer = rng.permutation(n_pool)[customer]
    customer[follower] = customer[origin]
    order_no = rng.integers(1_000_000, 10_000_000, size=n_conv)
    order_no[follower] = order_no[origin]
    item = rng.integers(0, len(_ITEMS), size=n_conv)
    item[follower] = item[origin]
    prevch = np.full(n_conv, -1)
    prevch[follower] = channel[origin]

    # Agents: baseline speeds near 1, a few clearly slow ones, one who improves.
    speed_base = np.clip(np.exp(rng.normal(0.0, 0.1, len(AGENTS))), 0.8, 1.25)
    for aid, mult in _SLOW_AGENTS.items():
        speed_base[AGENTS.index(aid)] = mult
    primary = rng.integers(0, len(AGENTS), size=n_conv)

    # Initial sentiment state per conversation (neg, neu, pos probabilities by situation).
    first_p = np.array([[0.55, 0.35, 0.10], [0.15, 0.45, 0.40], [0.35, 0.45, 0.20]])[cat]
    first_p[bf_mk] = [0.15, 0.50, 0.35]
    first_p[bf_sv] = [0.30, 0.50, 0.20]
    first_p[follower] = [1.0, 0.0, 0.0]
    state = _draw_state(rng, first_p)
    first_key = _K_FIRST[sub, state + 1]
    first_key[bf_mk] = _K_BFMK[state[bf_mk] + 1]
    first_key[bf_sv] = _K_BFSV[state[bf_sv] + 1]
    first_key[follower] = _KEY["C_switch_neg"]

    # ---- messages, turn by turn ------------------------------------------------------------
    log = _Log()
    t_next = t_start.copy()
    prev_uid = np.full(n_conv, -1, np.int64)
    frt = np.full(n_conv, np.nan)
    frt_at = np.full(n_conv, np.iinfo(np.int64).max)
    last_answer = np.full(n_conv, -1, np.int64)
    last_turn_answered = np.zeros(n_conv, bool)
    deflected = np.zeros(n_conv, bool)

    def handle_seconds(
        idx: np.ndarray, t: np.ndarray, agent: np.ndarray, tmpl: np.ndarray
    ) -> np.ndarray:
        # Agent working time: channel, agent speed, quick replies and the process change.
        h = _BASE_HANDLE_S * np.exp(rng.normal(0.0, _HANDLE_SIGMA, idx.size))
        h *= _CHANNEL_HANDLE[channel[idx]] * _agent_speed(agent, t, clock, speed_base)
        h *= np.where(tmpl >= 0, _TEMPLATE_HANDLE, 1.0)
        h *= np.where(clock.day_of(t) >= _PROCESS_CHANGE, _PROCESS_HANDLE_FACTOR, 1.0)
        return np.round(np.maximum(h, 5.0))

    active = ~brand_first
    bf = np.flatnonzero(brand_first)
    if bf.size:
        # Outreach is short to write: half the usual handling time.
        prev_uid[bf] = log.add(
            bf,
            t_start[bf],
            outbound=True,
            key=np.where(cat[bf] == _MKT, _KEY["BF_mk"], _KEY["BF_sv"]),
            agent=primary[bf],
            handle=np.round(
                0.5 * handle_seconds(bf, t_start[bf], primary[bf], np.full(bf.size, -1))
            ),
        )
        t_next[bf] += np.round(3600 * np.exp(rng.normal(0.4, 1.0, bf.size))).astype(np.int64)
        active[bf[rng.random(bf.size) < 0.5]] = True  # half the recipients write back

    for k in range(_MAX_TURNS):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        n = idx.size
        st = state[idx]
        t0 = t_next[idx]
        first_uid = log.add(
            idx,
            t0,
            outbound=False,
            key=first_key[idx] if k == 0 else _K_FOLLOW[st + 1],
            reply_to=prev_uid[idx],
            sentiment=_score(rng, st),
        )
        # Bursts: up to 3 more messages, each 8-60 s after the previous one.
        n_burst = rng.choice(4, size=n, p=_BURST_P) + 1
        last_t = t0.copy()
        last_uid = first_uid.copy()
        for j in range(1, 4):
            m = n_burst > j
            last_t[m] += rng.integers(8, 61, size=m.sum())
            last_uid[m] = log.add(
                idx[m],
                last_t[m],
                outbound=False,
                key=_K_BURST[st[m] + 1],
                sentiment=_score(rng, st[m]),
            )
        # The bot answers some out-of-hours first messages at once; it does not answer the turn.
        if k == 0:
            m = (
                ~clock.is_open(t0)
                & (channel[idx] != 3)
                & ~brand_first[idx]
                & (rng.random(n) < _BOT_SHARE)
            )
            log.add(
                idx[m],
                t0[m] + rng.integers(2, 8, size=m.sum()),
                outbound=True,
                bot=True,
                key=_KEY["BOT"],
                reply_to=first_uid[m],
            )

        # Human answer: the delay is counted in opening-hours time, so night/weekend turns wait
        # for the next opening; peak days are slower because the staff stays the same.
        p_ans = _CHANNEL_ANSWER[channel[idx]] * _CATEGORY_ANSWER[cat[idx]]
        if k == 0:
            p_ans = np.where(switch_origin[idx], 0.0, p_ans)
        else:
            p_ans = np.where(st == 1, 0.55 * p_ans, p_ans)  # a "thanks!" is often left alone
        answered = rng.random(n) < p_ans
        if k == 0:
            agent = primary[idx]
        else:
            other = rng.integers(0, len(AGENTS), size=n)
            agent = np.where(rng.random(n) < 0.85, primary[idx], other)
        day0 = clock.day_of(t0)
        peak = _in_days(day0, _PROMO) | _in_days(day0, _HOLIDAY)
        delay = _BASE_DELAY_S * np.exp(rng.normal(0.0, _DELAY_SIGMA, n))
        delay *= _CHANNEL_DELAY[channel[idx]] * _CATEGORY_DELAY[cat[idx]]
        delay *= _agent_speed(agent, t0, clock, speed_base)
        delay *= np.where(peak, _PEAK_DELAY_FACTOR, 1.0)
        delay = np.minimum(np.round(delay), _MAX_DELAY_OPEN_S).astype(np.int64) + 1
        t_ans = clock.at_open_seconds(clock.open_seconds(t0) + delay)
        t_ans = np.maximum(t_ans, last_t + rng.integers(20, 121, size=n))

        defl = answered & (cat[idx] == _CS) & (k <= 1) & (rng.random(n) < _DEFLECT_SHARE)
        target = rng.choice(3, size=n, p=_DEFLECT_P)
        # Never deflect to the channel the customer already uses.
        target[((target == 1) & (channel[idx] == 3)) | ((target == 2) & (channel[idx] == 4))] = 0
        use_tmpl = ~defl & (rng.random(n) < _TEMPLATE_SHARE)
        pick = (rng.random(n) * _TMPL_N[sub[idx]]).astype(np.int64)
        tmpl = np.where(use_tmpl, _TMPL_BY_SUB[sub[idx], pick], -1)
        if k > 0:
            tmpl[use_tmpl & (st == 1)] = _T_THANKS
            # A DM request belongs to a first reply; later turns get another quick reply or none.
            tmpl[tmpl == _T_DM] = -1
            rkey = _K_R_FOLLOW[st + 1]
        else:
            rkey = _K_R_SUB[sub[idx]]
            own = brand_first[idx]
            rkey[own] = _K_R_FOLLOW[st[own] + 1]
        rkey = np.where(tmpl >= 0, _K_TEMPLATE[np.maximum(tmpl, 0)], rkey)
        rkey = np.where(defl, _K_DEFLECT[target], rkey)

        a = answered
        reply_uid = log.add(
            idx[a],
            t_ans[a],
            outbound=True,
            key=rkey[a],
            reply_to=last_uid[a],
            agent=agent[a],
            handle=handle_seconds(idx[a], t_ans[a], agent[a], tmpl[a]),
            template=tmpl[a],
            deflect=np.where(defl, target, -1)[a],
        )
        rt = (t_ans - t0).astype(np.float64)
        if k == 0:
            frt[idx[a]] = rt[a]
            frt_at[idx[a]] = t_ans[a]
        last_turn_answered[idx] = a
        last_answer[idx[a]] = t_ans[a]
        deflected[idx[defl]] = True
        prev_uid[idx[a]] = reply_uid

        # Next customer turn: likelier for open service issues. Sentiment moves with speed: a
        # negative customer answered fast usually turns positive, answered slowly rarely does.
        p_cont = np.where(st == 1, 0.1, np.where(cat[idx] == _CS, 0.55, 0.3))
        if k >= 3:
            p_cont = p_cont * 0.5
        cont = a & ~defl & (rng.random(n) < p_cont)
        decay = np.exp(-rt / 7200.0)
        p_next = np.empty((n, 3))
        neg, neu, pos = st == -1, st == 0, st == 1
        p_next[neg] = np.column_stack(
            [0.65 - 0.6 * decay[neg], np.full(neg.sum(), 0.25), 0.1 + 0.6 * decay[neg]]
        )
        pp = 0.3 + 0.4 * decay[neu]
        pn = 0.1 + 0.3 * (1 - decay[neu])
        p_next[neu] = np.column_stack([pn, 1 - pp - pn, pp])
        p_next[pos] = [0.0, 0.2, 0.8]
        state[idx] = _draw_state(rng, p_next)
        gap = _CHANNEL_GAP[channel[idx]] * np.exp(rng.normal(0.0, 1.0, n))
        t_next[idx] = t_ans + np.round(gap).astype(np.int64) + 30
        active = np.zeros(n_conv, bool)
        active[idx[cont]] = True

    # ---- outcomes per conversation -----------------------------------------------------------
    # resolved_at: most answered service cases are closed within two hours of the last reply.
    resolved = (
        (cat == _CS) & last_turn_answered & ~deflected & (rng.random(n_conv) < _RESOLVED_SHARE)
    )
    resolved_t = np.where(resolved, last_answer + rng.integers(60, 7200, n_conv), -1)
    # Ratings: better when the first reply was fast and the customer ended happy.
    quality = np.exp(-np.nan_to_num(frt, nan=0.0) / (4 * 3600.0))
    mood = np.where(state == 1, 0.5, np.where(state == -1, -0.5, 0.0))
    # Only customers who got an answer before the export's end can have rated it.
    rated = frt_at < clock.end
    csat = np.clip(np.round(1.8 + 2.6 * quality + mood + rng.normal(0, 0.7, n_conv)), 1, 5)
    csat = np.where(rated & (rng.random(n_conv) < _CSAT_SHARE), csat, np.nan)
    nps = np.clip(np.round(2.5 + 6 * quality + 2 * mood + rng.normal(0, 1.5, n_conv)), 0, 10)
    nps = np.where(rated & (rng.random(n_conv) < _NPS_SHARE), nps, np.nan)

    conv = {
        "brand": brand,
        "channel": channel,
        "cat": cat,
        "sub": sub,
        "customer": customer,
        "order_no": order_no,
        "item": item,
        "dollars": rng.integers(9, 250, n_conv),
        "day": rng.integers(0, len(_DAY_WORDS), n_conv),
        "days": rng.integers(0, len(_DAYS_WORDS), n_conv),
        "prevch": prevch,
        "resolved_t": resolved_t,
        "csat": csat,
        "nps": nps,
    }
    return _with_mentions(_assemble(log.arrays(), conv, rng, clock), seed)


def _with_mentions(df: pl.DataFrame, seed: int) -> pl.DataFrame:
    """``mention_type``: some Twitter/Instagram conversations start with an untagged mention."""
    rng = np.random.default_rng([seed, 2])  # separate stream: the messages do not move
    inbound = pl.col("direction") == "inbound"
    per_conv = (
        df.group_by("conversation_id", maintain_order=True)
        .agg(
            pl.col("channel").first().is_in(["twitter", "instagram"]).alias("social"),
            ((pl.col("direction") == "outbound") & ~pl.col("is_bot")).any().alias("replied"),
        )
        .sort("conversation_id")
    )
    p = np.where(per_conv["replied"].to_numpy(), _UNTAGGED_ANSWERED, _UNTAGGED_UNANSWERED)
    chosen = per_conv.filter(pl.Series(per_conv["social"].to_numpy() & (rng.random(per_conv.height) < p)))
    first_in = inbound & (pl.col("created_at") == pl.col("created_at").filter(inbound).min().over("conversation_id"))
    untagged = first_in & pl.col("conversation_id").is_in(chosen["conversation_id"].implode())
    # An untagged mention names the brand in passing instead of addressing its care handle.
    plain = pl.col("text").str.replace(r"^@\w+ ", "")
    return df.with_columns(
        text=pl.when(untagged).then(pl.format("{} {}", pl.col("brand"), plain)).otherwise(pl.col("text")),
        mention_type=pl.when(untagged).then(pl.lit("untagged")).when(inbound).then(pl.lit("tagged")),
    )


def generate_customers(messages: pl.DataFrame, *, seed: int = 7, sla: float = 3600) -> pl.DataFrame:
    """The customers table of a sample log, with churn that rises after bad experiences.

    One row per customer of ``messages``: ``vip`` (5 %), ``followers`` (log-normal; VIPs have
    more), ``monthly_revenue`` (log-normal around $40; VIPs x3, business x2), ``segment``
    (consumer / business), ``churned_at``: within 90 days after the first conversation for
    4 % of customers whose conversations all went well and 13 % of those with a bad experience
    (toolkit's rule: an unanswered or SLA-missed turn, or a negative last message); 3 % leave
    later (after the window).

    Parameters
    ----------
    messages
        The sample messages (``generate_sample()``).
    seed
        Seed of the customers' own random stream.
    sla
        SLA target (seconds) that decides a missed turn.
    """
    from toolkit.core.kpis import FactTables
    from toolkit.io.load import read_messages

    facts = FactTables(read_messages(messages.drop("mention_type", strict=False)), sla=sla)
    per_customer = (
        facts.conversations.filter(pl.col("customer_id").is_not_null())
        .group_by("customer_id")
        .agg(pl.col("started_at").min().alias("first"), pl.col("customer_bad_experience").first().alias("bad"))
        .sort("customer_id")
        .collect()
    )
    n = per_customer.height
    rng = np.random.default_rng([seed, 3])
    vip = rng.random(n) < 0.05
    business = rng.random(n) < 0.2
    followers = np.round(np.exp(rng.normal(5.0, 1.5, n)) * np.where(vip, 20, 1)).astype(np.int64)
    revenue = np.round(np.exp(rng.normal(np.log(40), 0.5, n)) * np.where(vip, 3, 1) * np.where(business, 2, 1), 2)
    bad = per_customer["bad"].to_numpy()
    u = rng.random(n)
    p_churn = np.where(bad, _CHURN_BAD, _CHURN_GOOD)
    in_window = u < p_churn
    later = (u >= p_churn) & (u < p_churn + 0.03)
    days = np.where(in_window, rng.uniform(1, 89, n), np.where(later, rng.uniform(95, 200, n), np.nan))
    first_s = per_customer["first"].dt.epoch("s").to_numpy()
    churn_s = np.where(np.isnan(days), -1, first_s + np.round(days * 86400)).astype(np.int64)
    churned = pl.Series(churn_s * 1_000_000, dtype=pl.Int64).cast(pl.Datetime("us", "UTC"))
    churned = churned.zip_with(pl.Series(churn_s >= 0), pl.Series([None], dtype=pl.Datetime("us", "UTC")))
    return pl.DataFrame({
        "customer_id": per_customer["customer_id"],
        "vip": vip,
        "followers": followers,
        "monthly_revenue": revenue,
        "churned_at": churned,
        "segment": np.where(business, "business", "consumer"),
    })


def write_sample_customers(
    path: str | Path, *, conversations: int = 12000, seed: int = 7, start: str = "2025-09-01"
) -> Path:
    """Generate the sample's customers table (``generate_customers``) and write it as CSV."""
    customers = generate_customers(generate_sample(conversations=conversations, seed=seed, start=start), seed=seed)
    out = customers.with_columns(churned_at=pl.col("churned_at").dt.strftime("%Y-%m-%dT%H:%M:%SZ"))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    out.write_csv(path)
    return path


def _lookup(values: tuple[str, ...], codes: np.ndarray) -> pl.Series:
    """Strings for integer codes (negative codes give null)."""
    table = pl.Series(values, dtype=pl.String)
    out = table.gather(np.maximum(codes, 0))
    return out if codes.min(initial=0) >= 0 else out.zip_with(
        pl.Series(codes >= 0), pl.Series([None], dtype=pl.String)
    )


def _numbered(prefix: str, width: int, numbers: np.ndarray) -> pl.Series:
    """Ids like ``M0000042`` from integers (negative numbers give null)."""
    s = pl.Series(numbers, dtype=pl.Int64)
    ids = pl.select(pl.format(prefix + "{}", s.cast(pl.String).str.zfill(width))).to_series()
    return ids.zip_with(s >= 0, pl.Series([None], dtype=pl.String))


def _assemble(
    msgs: dict[str, np.ndarray], conv: dict[str, np.ndarray], rng: np.random.Generator, clock: _Clock
) -> pl.DataFrame:
    """Turn the message arrays into the canonical frame: cut, order, ids, texts, outcomes.

    Orders, ids and joins are done with numpy index arithmetic (uids are 0..n-1), strings are
    gathered from small tables by code: no per-row Python and no hash joins.
    """
    n_all = msgs["t"].size
    # Exports are nearly chronological: a few rows land up to 3 minutes late in the file.
    jitter = np.where(rng.random(n_all) < 0.03, rng.integers(1, 180, n_all), 0)
    key = msgs["key"]
    tidx = _KEY_OFFSET[key] + (rng.random(n_all) * _KEY_COUNT[key]).astype(np.int64)
    # The export ends at local midnight after the last day: later messages don't exist yet.
    keep = msgs["t"] < clock.end
    order = np.flatnonzero(keep)
    order = order[np.lexsort((msgs["uid"][order], (msgs["t"] + jitter)[order]))]
    a = {k: v[order] for k, v in msgs.items()}
    tidx = tidx[order]
    n = order.size
    uid, t, cv = a["uid"], a["t"], a["conv"]
    pos_of_uid = np.full(n_all, -1, np.int64)
    pos_of_uid[uid] = np.arange(n)
    reply_pos = np.where(a["reply_to"] >= 0, pos_of_uid[np.maximum(a["reply_to"], 0)], -1)

    # Conversation ids in order of first message; outcomes go on each one's last message.
    by_time = np.lexsort((uid, t))
    convs, first_at = np.unique(cv[by_time], return_index=True)
    conv_no = np.full(conv["brand"].size, -1, np.int64)
    conv_no[convs[np.argsort(first_at, kind="stable")]] = np.arange(convs.size)
    last_uid = np.full(conv["brand"].size, -1, np.int64)
    last_uid[cv[by_time]] = uid[by_time]  # later assignments win: the last message
    is_last = uid == last_uid[cv]

    def c(name: str) -> np.ndarray:
        return conv[name][cv]

    brand_i, channel_i, agent = c("brand"), c("channel"), a["agent"]
    brand = _lookup(BRANDS, brand_i)
    channel = _lookup(CHANNELS, channel_i)

    # Texts: literal, value, literal, ... per the row's variant. The values of all placeholders
    # are stacked in one column and gathered by (placeholder code * n + row).
    first_names = tuple(name.split()[0] for name in _AGENT_NAMES)
    initials = tuple("".join(w[0] for w in name.split()) for name in _AGENT_NAMES)
    aname = _lookup(first_names, agent)
    sig = pl.select(
        pl.when(pl.lit(agent < 0))
        .then(pl.lit(""))
        .when(pl.lit(np.isin(channel_i, [0, 2])))  # twitter, instagram: initials
        .then(pl.format("^{}", _lookup(initials, agent)))
        .when(pl.lit(channel_i == 3))
        .then(pl.format("Kind regards, {}, {} Customer Care", aname, brand))
        .otherwise(pl.format("- {}", aname))
    ).to_series()
    formatted = pl.select(
        order=pl.format("{}-{}", _lookup(_ORDER_PREFIX, brand_i), pl.lit(c("order_no"))),
        amount=pl.format("${}.99", pl.lit(c("dollars") - 1)),
    )
    values = {
        "order": formatted["order"],
        "item": _lookup(_ITEMS, c("item")),
        "amount": formatted["amount"],
        "day": _lookup(_DAY_WORDS, c("day")),
        "days": _lookup(_DAYS_WORDS, c("days")),
        "brand": brand,
        "brandlow": brand.str.to_lowercase(),
        "prevch": _lookup(_CHANNEL_LABEL, c("prevch")).fill_null("social media"),
        "sig": sig,
    }
    stacked = pl.concat(
        [values[name].alias("v") for name in _PLACEHOLDERS] + [pl.Series("v", [""])]
    )
    rows = np.arange(n)
    parts: list[pl.Series] = [pl.Series(_SEG_LIT[0]).gather(tidx)]
    for i in range(_N_PH):
        ph = _SEG_PH[i][tidx]
        parts.append(stacked.gather(np.where(ph >= 0, ph * n + rows, len(_PLACEHOLDERS) * n)))
        parts.append(pl.Series(_SEG_LIT[i + 1]).gather(tidx))
    text = pl.select(pl.concat_str(parts)).to_series()
    # Customers on Twitter address the brand's care handle.
    on_twitter = pl.Series((channel_i == 0) & ~a["outbound"])
    text = pl.select(
        pl.when(on_twitter).then(pl.format("@{}Help {}", brand, text)).otherwise(text)
    ).to_series()

    resolved_t = c("resolved_t")
    resolved_t = np.where(is_last & (resolved_t >= 0) & (resolved_t < clock.end), resolved_t, -1)
    to_utc = pl.Datetime("us", "UTC")

    def utc(seconds: np.ndarray) -> pl.Series:
        s = pl.Series(seconds * 1_000_000, dtype=pl.Int64).cast(to_utc)
        return s.zip_with(pl.Series(seconds >= 0), pl.Series([None], dtype=to_utc))

    def nullable(x: np.ndarray) -> pl.Series:
        return pl.Series(np.where(is_last, x, np.nan)).fill_nan(None)

    return pl.DataFrame(
        {
            "message_id": _numbered("M", 7, np.arange(1, n + 1)),
            "conversation_id": _numbered("C", 6, conv_no[cv] + 1),
            "in_reply_to": _numbered("M", 7, np.where(reply_pos >= 0, reply_pos + 1, -1)),
            "created_at": utc(t),
            "direction": _lookup(("inbound", "outbound"), a["outbound"].astype(np.int64)),
            "channel": channel,
            "customer_id": _numbered("U", 6, c("customer")),
            "agent_id": _numbered("A", 2, np.where(agent >= 0, agent + 1, -1)),
            "brand": brand,
            "is_bot": a["is_bot"],
            "category": _lookup(CATEGORIES, c("cat")),
            "subcategory": _lookup(SUBCATEGORIES, c("sub")),
            "sentiment": pl.Series(a["sentiment"]).fill_nan(None),
            "text": text,
            "handle_seconds": pl.Series(a["handle_seconds"]).fill_nan(None),
            "template": _lookup(_TEMPLATE_NAMES, a["template"]),
            "resolved_at": utc(resolved_t),
            "deflected_to": _lookup(_DEFLECT_TARGETS, a["deflect"]),
            "csat": nullable(c("csat")),
            "nps": nullable(c("nps")),
        }
    )


def sample_story(start: str = "2025-09-01") -> dict[str, Any]:
    """The planted story's dates and parameters for a given ``start`` (what README documents).

    Parameters
    ----------
    start : str, default "2025-09-01"
        The same ``start`` given to ``generate_sample``.

    Returns
    -------
    dict
        Dates (``datetime.date``, local to ``TEAM_TIMEZONE``) of the period, the promotion, the
        holiday peak, the closed day and the process change, plus the main multipliers.
    """
    d0 = dt.date.fromisoformat(start)

    def day(offset: int) -> dt.date:
        return d0 + dt.timedelta(days=offset)

    return {
        "timezone": TEAM_TIMEZONE,
        "first_day": d0,
        "last_day": day(DAYS - 1),
        "opening_hours": dict(OPENING_HOURS),
        "promotion": ("Autumn sale", day(_PROMO[0]), day(_PROMO[1]), _PROMO_VOLUME),
        "holiday_peak": ("Black Friday weekend", day(_HOLIDAY[0]), day(_HOLIDAY[1]), _HOLIDAY_VOLUME),
        "closed_days": tuple(day(o) for o in _CLOSED),
        "peak_delay_factor": _PEAK_DELAY_FACTOR,
        "process_change": ("new reply workflow", day(_PROCESS_CHANGE), _PROCESS_HANDLE_FACTOR),
        "slow_agents": dict(_SLOW_AGENTS),
        "improving_agent": _IMPROVING_AGENT,
    }


def write_sample(
    path: str | Path,
    *,
    conversations: int = 12000,
    seed: int = 7,
    start: str = "2025-09-01",
) -> Path:
    """Generate the sample and write it as CSV (the ``generic`` layout).

    Timestamps are ISO 8601 at whole seconds: in UTC with ``Z``, except ~3 % of rows written in
    the team's local time with their offset (``-04:00``/``-05:00``), as mixed exports are.
    Ratings are written as integers.

    Parameters
    ----------
    path : str or Path
        Output file; parent directories are created.
    conversations, seed, start
        Passed to ``generate_sample``.

    Returns
    -------
    Path
        The path written.
    """
    df = generate_sample(conversations=conversations, seed=seed, start=start)
    rng = np.random.default_rng([seed, 1])  # separate stream: formatting never moves the data
    local = pl.Series(rng.random(df.height) < _LOCAL_OFFSET_SHARE)
    utc_fmt = "%Y-%m-%dT%H:%M:%SZ"
    ts = pl.col("created_at")
    out = df.with_columns(
        created_at=pl.when(local)
        .then(ts.dt.convert_time_zone(TEAM_TIMEZONE).dt.strftime("%Y-%m-%dT%H:%M:%S%:z"))
        .otherwise(ts.dt.strftime(utc_fmt)),
        resolved_at=pl.col("resolved_at").dt.strftime(utc_fmt),
        handle_seconds=pl.col("handle_seconds").cast(pl.Int64),
        csat=pl.col("csat").cast(pl.Int64),
        nps=pl.col("nps").cast(pl.Int64),
    )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    out.write_csv(path)
    return path
