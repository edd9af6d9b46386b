"""Business-hours KPIs equal a day-by-day reference on generated logs (issue 3, done-when).

The logs are written as CSV with mixed UTC offsets and read back through the loader; the calendar
has split shifts, a spring DST change inside the data and holidays. The reference walks local days
with zoneinfo (tests/test_business_hours.py) and builds turns in plain Python (tests/reference.py).
"""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

import pytest

import toolkit
from tests.reference import percentile_linear, reference_turns
from tests.test_business_hours import ref_business_seconds, ref_is_open
from toolkit.calendar.business_hours import BusinessCalendar

TZ = "Europe/Paris"
HOURS = "mon-fri 09:00-12:30,13:30-18:00; sat 10:00-14:00"
HOLIDAYS = ["2025-04-21", "2025-05-01"]
# The same calendar in the reference's raw form: Monday..Sunday (start, end) seconds, closed dates.
H = 3600
RAW = (
    TZ,
    [[(9 * H, 12 * H + 1800), (13 * H + 1800, 18 * H)]] * 5 + [[(10 * H, 14 * H)], []],
    {dt.date.fromisoformat(d) for d in HOLIDAYS},
)


def generated_log(seed: int) -> str:
    """A CSV log around the spring DST change (2025-03-30) and Easter Monday, offsets mixed."""
    rng = random.Random(seed)
    offsets = [dt.UTC, dt.timezone(dt.timedelta(hours=1)), dt.timezone(dt.timedelta(hours=-5)),
               ZoneInfo(TZ)]
    start = dt.datetime(2025, 3, 27, tzinfo=dt.UTC)
    lines = ["conversation_id,created_at,direction,customer_id,agent_id,is_bot"]
    for c in range(60):
        t = start + dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 40))
        for _ in range(rng.randint(1, 6)):
            t += dt.timedelta(minutes=rng.choice([0, 0, 1, 30, 90, 600, 2000]))
            direction = rng.choice(["inbound", "inbound", "outbound"])
            bot = direction == "outbound" and rng.random() < 0.15
            stamp = t.astimezone(rng.choice(offsets)).isoformat()
            agent = "" if direction == "inbound" or bot else rng.choice(["A1", "A2"])
            lines.append(f"c{c},{stamp},{direction},u{c},{agent},{str(bot).lower()}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_business_hours_kpis_equal_the_day_by_day_reference(tmp_path, seed):
    path = tmp_path / "log.csv"
    path.write_text(generated_log(seed), encoding="utf-8")
    messages = toolkit.read_messages(path)
    cal = BusinessCalendar.parse(HOURS, timezone=TZ, holidays=",".join(HOLIDAYS))
    sla = 1800
    (got,) = toolkit.kpis(messages, calendar=cal, sla=sla).to_dicts()

    rows = messages.to_dicts()
    as_of = max(r["created_at"] for r in rows)
    turns = reference_turns(rows)
    answered = [t for t in turns if t["answered_at"] is not None]
    bh = {id(t): ref_business_seconds(RAW, t["start"], t["answered_at"]) for t in answered}
    frt = [bh[id(t)] for t in answered if t["is_first"]]
    art = [bh[id(t)] for t in answered]
    met = sum(bh[id(t)] <= sla for t in answered)
    missed = len(answered) - met + sum(
        ref_business_seconds(RAW, t["start"], as_of) > sla for t in turns if t["answered_at"] is None)
    want = {
        "frt_bh_mean_s": sum(frt) / len(frt),
        "frt_bh_median_s": percentile_linear(frt, 0.5),
        "frt_bh_p90_s": percentile_linear(frt, 0.9),
        "art_bh_mean_s": sum(art) / len(art),
        "art_bh_median_s": percentile_linear(art, 0.5),
        "art_bh_p90_s": percentile_linear(art, 0.9),
        "sla_bh_compliance": met / (met + missed),
        "in_hours_share": sum(ref_is_open(RAW, t["start"]) for t in turns) / len(turns),
    }
    for key, value in want.items():
        assert got[key] == pytest.approx(value, rel=1e-9, abs=1e-6), key
    # Calendar-time keys are unchanged by the calendar.
    (plain,) = toolkit.kpis(messages, sla=sla).to_dicts()
    for key in ("frt_median_s", "art_p90_s", "sla_compliance", "reply_rate"):
        assert got[key] == plain[key]
