"""What every page shares: the dataset, the view state, filters, share link, downloads.

Streamlit lives here and in the page scripts only; all computation is in ``toolkit``. Big frames
are cached with ``st.cache_resource`` (no copy per rerun) keyed by dataset id and settings; small
results with ``st.cache_data`` keyed by the (hashable) view.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import sys
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import streamlit as st

from toolkit.analysis.compare import NOT_ENOUGH, headline
from toolkit.analysis.coverage import unlocking_columns
from toolkit.analysis.thin import TOO_FEW, dense_range
from toolkit.app_state.store import DatasetStore, StoreError, UnknownDataset, is_valid_id, retention_days
from toolkit.app_state.view import (
    DIMENSION_FILTERS,
    SLA_MINUTES_RANGE,
    FilteredTables,
    ViewState,
    filter_tables,
    is_timezone,
)
from toolkit.calendar.business_hours import BusinessCalendar
from toolkit.calendar.events import Event, parse_events
from toolkit.core.kpis import FactTables
from toolkit.core.metrics import Metric, MetricContext
from toolkit.errors import DataError
from toolkit.io.customers import read_customers
from toolkit.io.load import load
from toolkit.measures.outcomes import attach_customers
from toolkit.present import charts, tables
from toolkit.present import format as fmt
from toolkit.present.export import export_name, safe_csv
from toolkit.present.i18n import (
    LANGUAGE_NAMES,
    LANGUAGES,
    N_,
    LazyText,
    _,
    get_language,
    language_from_header,
    ngettext,
    set_language,
    use_language,
)
from toolkit.present.markdown import escape_markdown
from toolkit.present.pdf import pdf_report
from toolkit.present.report import Table, comparison_export, comparison_sentences, html_report
from toolkit.sample import generate as sample
from toolkit.sample import sample_customers_path, sample_path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = "sample"
DEFAULT_PAGE = "overview"

PAGES: dict[str, str] = {}  # url path -> title, filled by app.py (for the share link)


# ---------------------------------------------------------------------------------------------
# Datasets
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dataset:
    """A loaded, canonical message log and what the app knows about it."""

    key: str  # "sample" or a store id
    messages: pl.DataFrame
    label: str  # the sample's name (English, translated when shown), or the uploaded file's name
    settings: dict[str, Any] = field(default_factory=dict)
    default_timezone: str = "UTC"
    default_hours: str = ""
    default_holidays: str = ""
    default_events: tuple[Event, ...] = ()


def store() -> DatasetStore:
    return DatasetStore()


@st.cache_resource(max_entries=6, show_spinner=LazyText(N_("Loading the sample data…")))
def _sample_dataset() -> Dataset:
    path = sample_path()
    result = load(path)
    messages, quality = result.messages, result.quality
    # The sample's customers table rides along: segment, VIP, revenue and churn are columns too.
    customers = read_customers(sample_customers_path())
    messages = attach_customers(messages, customers)
    settings = {
        "filename": path.name,
        "preset": result.preset,
        "mapping": result.mapping,
        "quality": quality.summary(),
        "quality_report": quality.to_dict(),
        "quality_table": quality.to_frame().with_columns(pl.col("first_rows").cast(pl.List(pl.String)).list.join(", ")).to_dicts(),
    }
    story = sample.sample_story()
    hours = "; ".join(
        f"{['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'][d]} {a:02d}:00-{b:02d}:00"
        for d, (a, b) in sorted(sample.OPENING_HOURS.items())
    )
    events = tuple(
        Event(name, first, last) for name, first, last, *_ in (story["promotion"], story["holiday_peak"])
    )
    return Dataset(
        key=SAMPLE,
        messages=messages,
        label="Sample data: two brands, five channels, Sep–Nov 2025",
        settings=settings,
        default_timezone=sample.TEAM_TIMEZONE,
        default_hours=hours,
        default_holidays=",".join(d.isoformat() for d in story["closed_days"]),
        default_events=events,
    )


@st.cache_resource(max_entries=6, show_spinner=LazyText(N_("Opening the stored data…")))
def _stored_dataset(dataset_id: str, data_dir: str) -> Dataset:
    stored = DatasetStore(data_dir).read(dataset_id)
    s = stored.settings
    return Dataset(
        key=dataset_id,
        messages=stored.messages,
        label=str(s.get("filename") or ""),  # _label_of adds the count, in the reader's language
        settings=s,
        default_timezone=s["timezone"] if is_timezone(str(s.get("timezone") or "")) else "UTC",
        default_hours=s.get("opening_hours") or "",
        default_holidays=s.get("holidays") or "",
    )


def dataset(key: str) -> Dataset:
    """The dataset of a view; raises :class:`UnknownDataset` for an unknown, removed or expired id
    (checked on the store each time: a cached copy is never served once its links are revoked)."""
    if key == SAMPLE:
        return _sample_dataset()
    if not is_valid_id(key) or not store().exists(key):
        raise UnknownDataset(key)
    return _stored_dataset(key, str(store().root.resolve()))


def sweep_store() -> None:
    """Remove datasets past the retention period, at most once an hour (any page load does it)."""
    with contextlib.suppress(OSError, StoreError):  # a read-only or missing store: nothing to sweep
        store().sweep_if_due()


def missing_dataset_message(key: str) -> str:
    """Why a link's dataset cannot be opened, in words for whoever opened the link."""
    status = store().status(key) if key != SAMPLE else "unknown"
    if status == "removed":
        return _("This shared view was removed by its owner.")
    if status == "expired":
        days = retention_days()
        return _("This shared view has expired: this server keeps shared data for {days} days.").format(
            days=fmt.count(days) if days is not None and days == int(days) else days)
    return _("This link points to a dataset that does not exist (it may have been removed). "
             "Ask the person who sent it for a new link.")


# ---------------------------------------------------------------------------------------------
# Settings resolved against the dataset, fact tables
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    timezone: str
    hours: str  # "" = no opening hours (24/7)
    holidays: str
    events: tuple[Event, ...]
    sla: float


def settings_of(view: ViewState, ds: Dataset) -> Settings:
    events = view.events if (view.events or view.get("noevents")) else ds.default_events
    return Settings(
        timezone=view.timezone or ds.default_timezone,
        hours="" if view.opening_hours == "24/7" else (view.opening_hours or ds.default_hours),
        holidays=view.holidays if view.holidays else ("" if view.get("noholidays") else ds.default_holidays),
        events=tuple(events),
        sla=view.sla_seconds,
    )


@dataclass(frozen=True)
class Facts:
    messages: pl.DataFrame
    turns: pl.DataFrame
    conversations: pl.DataFrame
    calendar: Any
    timezone: str
    first_day: dt.date
    last_day: dt.date
    options: dict[str, list[str]]
    #: The default date range (``toolkit.analysis.thin.dense_range``): the log without its
    #: far-out dates (the data-quality report's rule); every page leaves those out until the
    #: user picks dates that include them, and says so (:func:`far_out_note`).
    default_first: dt.date | None = None
    default_last: dt.date | None = None
    #: Far-out messages before and after the default range.
    early_messages: int = 0
    late_messages: int = 0

    @property
    def dense_first(self) -> dt.date:
        return self.default_first or self.first_day

    @property
    def dense_last(self) -> dt.date:
        return self.default_last or self.last_day


def calendar_of(hours: str, timezone: str, holidays: str) -> Any:
    if not hours.strip():
        return None
    return BusinessCalendar.parse(hours, timezone=timezone, holidays=holidays)


@st.cache_resource(max_entries=8, show_spinner=LazyText(N_("Building turns and conversations…")))
def _facts(ds_key: str, data_dir: str, timezone: str, hours: str, holidays: str) -> Facts:
    ds = dataset(ds_key)
    cal = calendar_of(hours, timezone, holidays)
    tables = FactTables(ds.messages, calendar=cal, timezone=timezone)
    messages = ds.messages
    turns_df, conv_df = pl.collect_all([tables.turns, tables.conversations])
    if cal is not None:
        messages = messages.with_columns(in_hours=cal.is_open("created_at"))
        conv_df = conv_df.with_columns(in_hours=cal.is_open("started_at"))
    local = messages.select(
        pl.col("created_at").min().dt.convert_time_zone(timezone).dt.date().alias("a"),
        pl.col("created_at").max().dt.convert_time_zone(timezone).dt.date().alias("b"),
    ).row(0)
    options = {
        col: sorted(messages.get_column(col).drop_nulls().unique().cast(pl.String).to_list())[:500]
        for col in DIMENSION_FILTERS.values()
        if col in messages.columns
    }
    dense = dense_range(messages, timezone=timezone)
    if dense is None or not dense.outside:
        return Facts(messages, turns_df, conv_df, cal, timezone, local[0], local[1], options)
    return Facts(
        messages, turns_df, conv_df, cal, timezone, local[0], local[1], options,
        dense.first, dense.last, dense.before, dense.after,
    )


def far_out_note(view: ViewState, f: Facts) -> str | None:
    """The one sentence every page shows while far-out dates are left out of the default range."""
    early = f.early_messages if view.start is None else 0
    late = f.late_messages if view.end is None else 0
    if not early + late:
        return None
    if early and late:
        when = _("far outside the rest (before {first} or after {last})").format(
            first=fmt.date(f.dense_first), last=fmt.date(f.dense_last))
    elif early:
        when = _("long before the rest (from {day})").format(day=fmt.date(f.first_day))
    else:
        when = _("long after the rest (up to {day})").format(day=fmt.date(f.last_day))
    return ngettext(
        "{n} message dated {when} is left out of every figure (the data-quality report flags it); "
        "choose dates in the sidebar to include it.",
        "{n} messages dated {when} are left out of every figure (the data-quality report flags them); "
        "choose dates in the sidebar to include them.",
        early + late,
    ).format(n=fmt.count(early + late), when=when)


def facts(view: ViewState) -> Facts:
    ds = dataset(view.dataset)
    s = settings_of(view, ds)
    return _facts(view.dataset, str(store().root.resolve()), s.timezone, s.hours, s.holidays)


def filtered(view: ViewState, *, start: dt.date | None = None, end: dt.date | None = None) -> FilteredTables:
    """The view's fact tables, filtered; without dates chosen, far-out dates are left out (the
    default range, see :class:`Facts`). ``start``/``end`` override the view's dates."""
    f = facts(view)
    ctx = MetricContext(sla=view.sla_seconds, calendar=f.calendar)
    if start is None and view.start is None:
        start = f.default_first
    if end is None and view.end is None:
        end = f.default_last
    return filter_tables(
        f.messages, f.turns, f.conversations, view, context=ctx, timezone=f.timezone, start=start, end=end
    )


def supported_metrics(view: ViewState) -> dict[str, Metric]:
    """Registered metrics the dataset supports (researchers' metrics included)."""
    f = facts(view)
    probe = FactTables.__new__(FactTables)
    probe.columns = f.messages.columns
    probe.context = MetricContext(sla=view.sla_seconds, calendar=f.calendar)
    return probe.metrics()


# ---------------------------------------------------------------------------------------------
# View state: seeded from the URL once, written back on change
# ---------------------------------------------------------------------------------------------


def startup_argument(argv: list[str] | None = None) -> str | None:
    """The log path or store id given on the command line: ``streamlit run app.py -- PATH``.

    Only when the script runs as ``app.py`` (``streamlit run`` sets ``sys.argv`` to the script
    and what follows ``--``); a test runner's own arguments are not a log.
    """
    args = sys.argv if argv is None else argv
    if not args or Path(args[0]).name != "app.py":
        return None
    rest = [a for a in args[1:] if a.strip()]
    return rest[0] if rest else None


@st.cache_resource(max_entries=4, show_spinner=LazyText(N_("Opening the log given on the command line…")))
def _startup_dataset(path: str, mtime: float, data_dir: str) -> str:
    """Load ``path`` once per server (and per change of the file) into the store; its id."""
    result = load(Path(path))
    quality = result.quality
    settings = {
        "filename": Path(path).name,
        "preset": result.preset,
        "mapping": result.mapping,
        "quality": quality.summary(),
        "quality_report": quality.to_dict(),
        "quality_table": quality.to_frame().with_columns(pl.col("first_rows").cast(pl.List(pl.String)).list.join(", ")).to_dicts(),
    }
    return DatasetStore(data_dir).save(result.messages, settings)


def startup_dataset(arg: str | None) -> str | None:
    """The dataset id the app opens on for a command-line argument (a store id or a log file)."""
    if arg is None:
        return None
    if is_valid_id(arg) and store().exists(arg):
        return arg
    path = Path(arg).expanduser()
    if not path.is_file():
        msg = _("No log file or stored dataset called {arg!r}: give the path of a CSV, TSV, Excel, Parquet or JSON-lines export, or a dataset id.").format(arg=arg)
        raise DataError(msg)
    return _startup_dataset(str(path.resolve()), path.stat().st_mtime, str(store().root.resolve()))


def view() -> ViewState:
    if "view" not in st.session_state:
        params = st.query_params.to_dict()
        # A removal link (``?ds=ID&revoke=TOKEN``): the token is kept for this session only and
        # leaves the address bar (and so every link copied from it) at once.
        token = params.pop("revoke", None)
        if token is not None:
            st.session_state.revoke_token = token
        v, ignored = ViewState.decode(params)
        st.session_state.link_notes = params if ignored else None  # said in the page's language
        st.session_state.owned = set()
        if "ds" not in params:
            # Opened as ``streamlit run app.py -- PATH``: straight on that log (the person who
            # started the server owns it: settings and filters are theirs to change).
            try:
                opened = startup_dataset(startup_argument())
            except (DataError, OSError) as exc:
                st.session_state.startup_error = str(exc)
                opened = None
            if opened is not None:
                v = v.replace(dataset=opened)
                st.session_state.owned = {opened}
        st.session_state.view = v
    return st.session_state.view


def link_notes() -> None:
    """Say which link parameters were ignored (once, on the page the link opened)."""
    params = st.session_state.pop("link_notes", None)
    # Decoded again now that the language is set, so the reasons are in it.
    notes = [i.to_text() for i in ViewState.decode(params)[1]] if params else []
    if notes:
        st.warning(
            _("Some settings in this link could not be used and were ignored:") + "\n\n"
            + "\n".join(f"- {escape_markdown(n)}" for n in notes),
            icon=":material/link_off:",
        )


def browser_language() -> str | None:
    """The first of en/fr/it in the browser's preferences (Accept-Language, else its locale)."""
    try:
        header = st.context.headers.get("Accept-Language")
        locale = getattr(st.context, "locale", None)
    except (RuntimeError, AttributeError, KeyError):  # outside a server (AppTest)
        return None
    return language_from_header(header) or language_from_header(locale)


def apply_language() -> str:
    """Set this run's language: the sidebar's choice, else ``?lang=``, else the browser's, else en."""
    # A plain session key, not the widget's: Streamlit drops widget state when the page changes.
    v = view()
    lang = set_language(st.session_state.get("app_lang") or v.lang or browser_language() or "en")
    st.session_state["app_lang"] = lang
    # The view carries the language (not English) so cached sentences and share links follow it.
    if v.lang != ("" if lang == "en" else lang):
        set_view(v.replace(lang="" if lang == "en" else lang))
    return lang


def set_view(new: ViewState) -> None:
    st.session_state.view = new
    params = new.to_params()
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)


def read_only(v: ViewState) -> bool:
    """A shared link to someone else's upload: no upload, no delete, no settings saved."""
    return v.dataset != SAMPLE and v.dataset not in st.session_state.get("owned", set())


def share_url(v: ViewState, page_path: str) -> str:
    try:
        base = st.context.url or ""
    except (RuntimeError, AttributeError, KeyError):  # outside a server (AppTest)
        base = ""
    parts = urllib.parse.urlsplit(base or "http://localhost:8501/")
    # The default page lives at "/" (its url_path is not routable on its own).
    path = "/" if page_path in ("", DEFAULT_PAGE) else "/" + page_path.strip("/")
    query = urllib.parse.urlencode(v.to_params())
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, query, ""))


# ---------------------------------------------------------------------------------------------
# Page frame: header, sidebar filters, share link
# ---------------------------------------------------------------------------------------------


def _widget(key: str, value: Any) -> None:
    """Seed a widget's state from the view (only when the widget has none yet)."""
    if key not in st.session_state:
        st.session_state[key] = value


def page(title: str, url_path: str, *, caption: str | None = None) -> tuple[ViewState, Dataset, Facts] | None:
    """Title, filters in the sidebar, the share link; returns the view, or None to stop."""
    apply_language()
    v = view()
    if st.session_state.get("startup_error"):
        st.error(escape_markdown(st.session_state.pop("startup_error")))
    if st.session_state.pop("revoke_done", None):
        st.success(_("The data was removed from the server. Its links now say that its owner removed it."))
    if st.session_state.get("_page") != url_path:
        # Widgets are new on each page: seed them from the view, not from a previous page.
        for key in [k for k in st.session_state if str(k).startswith(("f_", "s_"))]:
            del st.session_state[key]
        st.session_state["_page"] = url_path
    sweep_store()
    try:
        ds = dataset(v.dataset)
    except UnknownDataset:
        st.session_state.pop("revoke_token", None)
        st.title(title)
        st.error(escape_markdown(missing_dataset_message(v.dataset)))
        if st.button(_("Open the sample data instead"), key="reset_to_sample"):
            set_view(ViewState())
            st.rerun()
        return None
    try:
        f = facts(v)
    except (ValueError, KeyError, OverflowError, pl.exceptions.PolarsError) as exc:  # bad hours/time zone
        st.error(_("These settings could not be applied: {exc}").format(exc=escape_markdown(exc)))
        set_view(v.replace(opening_hours="", timezone="", holidays=""))
        f = facts(st.session_state.view)
        v = st.session_state.view
    v = _sidebar(v, ds, f)
    set_view(v)
    head, link = st.columns([3, 2], vertical_alignment="bottom")
    with head:
        st.title(title)
        st.caption(caption or escape_markdown(_label_of(ds)))
    if note := far_out_note(v, f):
        st.caption(note)
    link_notes()
    revoke_prompt(v)
    with link, st.popover(_("Copy link"), icon=":material/link:", use_container_width=True):
        st.caption(_("Anyone with this link sees this page with these filters and settings, read-only."))
        st.code(share_url(v, url_path), language=None, wrap_lines=True)
        token = st.session_state.get("revoke_links", {}).get(v.dataset)
        if token:
            st.caption(_("Your removal link: opening it, even from another browser later, lets you remove "
                         "this data and every link to it. Keep it private; it is shown only in this session."))
            st.code(revoke_url(v.dataset, token), language=None, wrap_lines=True)
    new = st.session_state.pop("new_revoke", None)
    if new == v.dataset and st.session_state.get("revoke_links", {}).get(new):
        st.info(_("Your data is stored. Keep this private link: it removes the data and every link to "
                  "it, even after this session ends (it is shown only now and in **Copy link**)."),
                icon=":material/key:")
        st.code(revoke_url(new, st.session_state.revoke_links[new]), language=None, wrap_lines=True)
    if read_only(v):
        st.caption(_(":material/lock: Shared view of **{label}** — read-only.").format(label=escape_markdown(_label_of(ds))))
    return v, ds, f


def revoke_url(dataset_id: str, token: str) -> str:
    """The owner's removal link of a stored dataset (opens the app on it, asks before removing)."""
    try:
        base = st.context.url or ""
    except (RuntimeError, AttributeError, KeyError):  # outside a server (AppTest)
        base = ""
    parts = urllib.parse.urlsplit(base or "http://localhost:8501/")
    query = urllib.parse.urlencode({"ds": dataset_id, "revoke": token})
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/", query, ""))


def revoke_prompt(v: ViewState) -> None:
    """Opened with a removal link: ask before removing the data for everyone."""
    token = st.session_state.get("revoke_token")
    if token is None:
        return
    if v.dataset == SAMPLE or not store().can_revoke(v.dataset, token):
        st.session_state.pop("revoke_token", None)
        st.error(_("This removal link is not valid: nothing was removed."))
        return
    with st.container(border=True):
        st.warning(_("You opened the removal link of this data. Removing it deletes it from the server; "
                     "every link to it will then say that its owner removed it."), icon=":material/delete:")
        yes, no = st.columns(2)
        if yes.button(_("Remove this data for everyone"), type="primary", key="revoke_confirm"):
            removed = store().revoke(v.dataset, token)
            st.session_state.pop("revoke_token", None)
            _stored_dataset.clear()
            st.session_state.revoke_done = removed
            set_view(ViewState())
            st.rerun()
        if no.button(_("Keep it"), key="revoke_cancel"):
            st.session_state.pop("revoke_token", None)
            st.rerun()


def date_format() -> str:
    """How date inputs write a date in the current language: ``2025-11-03`` / ``03/11/2025``."""
    return "YYYY-MM-DD" if get_language() == "en" else "DD/MM/YYYY"


def _label_of(ds: Dataset) -> str:
    """A dataset's name in the current language: the sample's translated; an upload's file name as
    its owner wrote it, with its number of messages in the language's format."""
    if ds.key == SAMPLE:
        return _(ds.label)
    n = ds.messages.height
    return ngettext("{name} · {n} message", "{name} · {n} messages", n).format(
        name=ds.label or _("uploaded file"), n=fmt.count(n))


def _language_selector(v: ViewState) -> ViewState:
    """The sidebar's language choice; kept in the URL (and so in share links) unless English."""
    _widget("f_lang", get_language())
    chosen = st.sidebar.selectbox(
        _("Language"), LANGUAGES, format_func=LANGUAGE_NAMES.get, key="f_lang"
    )
    if chosen != get_language():  # this run was drawn in the old language
        st.session_state["app_lang"] = set_language(chosen)
        set_view(v.replace(lang="" if chosen == "en" else chosen))
        st.rerun()
    return v.replace(lang="" if chosen == "en" else chosen)


def _sidebar(v: ViewState, ds: Dataset, f: Facts) -> ViewState:
    v = _language_selector(v)
    sb = st.sidebar
    sb.markdown(_("**Data:** {label}").format(label=escape_markdown(_label_of(ds))))
    # The widget opens on the default range (far-out dates left out) and reaches every date.
    first, last = f.first_day, f.last_day
    start = max(first, min(v.start or f.dense_first, last))
    end = min(last, max(v.end or f.dense_last, first))
    _widget("f_dates", (start, end))
    dates = sb.date_input(_("Dates"), min_value=first, max_value=last, key="f_dates", format=date_format())
    new = v
    if isinstance(dates, tuple) and len(dates) == 2:
        a, b = dates
        new = new.replace(start=None if a == f.dense_first else a, end=None if b == f.dense_last else b)
    labels = {"channels": _("Channel"), "brands": _("Brand"), "categories": _("Category"), "agents": _("Agent")}
    for fld, col in DIMENSION_FILTERS.items():
        options = f.options.get(col) or []
        if not options:
            continue
        chosen = [x for x in getattr(v, fld) if x in options]
        _widget(f"f_{fld}", chosen)
        picked = sb.multiselect(labels[fld], options, key=f"f_{fld}", placeholder=_("All"))
        new = new.replace(**{fld: tuple(picked)})
    hours_labels = {"all": _("All"), "in": _("In hours"), "out": _("Out of hours")}
    _widget("f_hours", v.hours)
    hours = sb.segmented_control(
        _("Opening hours"),
        list(hours_labels),
        format_func=hours_labels.get,
        key="f_hours",
        disabled=f.calendar is None,
        help=None if f.calendar is not None else _("Set opening hours in Settings to use this filter."),
    )
    new = new.replace(hours=hours or "all")
    with sb.expander(_("Settings"), expanded=False):
        new = _settings(new, ds)
    return new


def _settings(v: ViewState, ds: Dataset) -> ViewState:
    s = settings_of(v, ds)
    _widget("s_sla", float(v.sla_minutes))
    sla = st.number_input(_("SLA target (minutes)"), min_value=SLA_MINUTES_RANGE[0], max_value=SLA_MINUTES_RANGE[1], step=5.0, key="s_sla")
    _widget("s_tz", s.timezone)
    tz = st.text_input(_("Time zone (IANA)"), key="s_tz", help=_("e.g. Europe/Paris, America/New_York"))
    _widget("s_hours", s.hours or "24/7")
    hours = st.text_area(_("Opening hours"), key="s_hours", height=68, help=_('e.g. "mon-fri 09:00-18:00; sat 10:00-14:00" or "24/7"'))
    _widget("s_holidays", s.holidays)
    holidays = st.text_input(_("Holidays"), key="s_holidays", help=_("Dates and/or a country: FR,2025-12-24"))
    _widget("s_events", "\n".join(e.to_text() for e in s.events))
    events_text = st.text_area(_("Events (one a line)"), key="s_events", height=80, help=_("Black Friday: 2025-11-28..2025-11-30"))
    events, bad = parse_events(events_text)
    if bad:
        st.warning(_("Not read as events: {events}").format(events=escape_markdown("; ".join(bad))))
    new = v.replace(sla_minutes=float(sla))
    new = new.replace(timezone="" if tz.strip() == ds.default_timezone else tz.strip())
    hours_val = hours.strip()
    default_hours = ds.default_hours or "24/7"
    new = new.replace(opening_hours="" if hours_val in (default_hours, "") else hours_val)
    hol = holidays.strip()
    new = new.replace(holidays="" if hol == ds.default_holidays else hol)
    new = new.with_extra("noholidays", "1" if (not hol and ds.default_holidays) else "")
    if events == ds.default_events:
        new = new.replace(events=()).with_extra("noevents", "")
    else:
        new = new.replace(events=events).with_extra("noevents", "1" if not events else "")
    if hours_val and hours_val != "24/7":
        try:
            calendar_of(hours_val, tz.strip() or "UTC", hol)
        except (ValueError, KeyError) as exc:  # DataError, unknown time zone
            st.error(escape_markdown(exc))
            return v
    return new


# ---------------------------------------------------------------------------------------------
# Formatting and output
# ---------------------------------------------------------------------------------------------


#: What a card's measure means, in a manager's words (the registry's descriptions are written
#: for analysts: column names, "/", "censored"...). Metrics not listed keep their description.
_PLAIN_HELP = {
    "frt_median_s": N_("Half of the conversations got their first human reply within this time."),
    "frt_p90_s": N_("9 in 10 conversations got their first human reply within this time."),
    "art_median_s": N_("Half of the customers' messages (every turn, not only the first) got a human reply within this time."),
    "reply_rate": N_("Share of the customers' turns that got a reply."),
    "sla_compliance": N_("Share of the answered or overdue turns answered within the SLA target; turns still inside the target at the end of the data are left out."),
    "deflection_rate": N_("Share of conversations moved to phone, email or chat (from the log's column, else found in the replies' wording; asking for a private message does not count)."),
    "aht_s": N_("Average agent working time per conversation (from the helpdesk's time tracking)."),
    "tht_s": N_("All agent working time recorded (from the helpdesk's time tracking)."),
    "resolution_rate": N_("Share of conversations resolved (from the log's resolution time, else: the last message is a human reply and the customer stayed silent for 72 hours)."),
    "resolution_median_s": N_("Half of the resolved conversations were resolved within this time after they started."),
    "resolution_p90_s": N_("9 in 10 resolved conversations were resolved within this time after they started."),
    "fcr_rate": N_("Share of resolved conversations resolved with a single customer message."),
    "frt_km_median_s": N_("Half of the conversations got a first reply within this time, counting those never answered as still waiting; empty when fewer than half are ever answered."),
    "art_km_median_s": N_("Half of the customers' turns got a reply within this time, counting those never answered as still waiting."),
    "reply_within_24h": N_("Chance that a customer's turn is answered within 24 hours, counting those never answered as still waiting."),
    "defection_rate": N_("Share of customers who left within 90 days after their first conversation."),
    "arpu": N_("Average monthly revenue of the customers in the group."),
    "churned_revenue": N_("Monthly revenue of the customers who left."),
    "care_mentions": N_("Customer messages asking for help (words such as help, need assistance)."),
    "sentiment_conversion_rate": N_("Of the conversations that started negative, the share that ended positive."),
    "sentiment_neutral_or_better_rate": N_("Of the conversations that started negative, the share that ended neutral or positive."),
}


#: Characters of a card's label that fit on one line at the default width (1400 px, sidebar
#: open) with 4, 3 and 2 cards in a row; a longer label would be cut with an ellipsis.
_CARD_LABEL_FITS = ((4, 28), (3, 40), (2, 66))


def card_rows(labels: list[str]) -> list[list[Any]]:
    """Columns for a row of cards whose labels all read in full: 4 in a row while every label
    is short, fewer when one is long (in the reader's language), rows balanced (2 + 2, not
    3 + 1). Returns one list of ``st.columns`` per row, to ``zip`` with the cards."""
    longest = max((len(x) for x in labels), default=0)
    most = next((n for n, fits in _CARD_LABEL_FITS if longest <= fits), 1)
    count = len(labels)
    rows = -(-count // most) if count else 0
    per_row = -(-count // rows) if rows else most
    if rows == 1:
        per_row = most  # one short row keeps the cards' usual width
    out: list[list[Any]] = []
    for r in range(rows):
        out.append(list(st.columns(per_row))[: min(per_row, count - r * per_row)])
    return out


def metric_help(name: str, metric: Metric | None) -> str | None:
    """A card's help text in plain words (:data:`_PLAIN_HELP`, else the metric's description)."""
    plain = _PLAIN_HELP.get(name)
    if plain:
        return _(plain)
    return _(metric.description) if metric is not None and metric.description else None


def fmt_value(metric: Metric | None, value: Any) -> str:
    """A metric's value as the one formatter writes it (``toolkit.present.format``)."""
    if metric is None:
        return fmt.count(value) if isinstance(value, int) else fmt.number(value, decimals=2)
    return fmt.measure(value, kind=metric.kind, unit=metric.unit)


def _excel_bytes(df: pl.DataFrame) -> bytes:
    buf = io.BytesIO()
    df.write_excel(buf, autofit=True)
    return buf.getvalue()


def csv_text(df: pl.DataFrame) -> str:
    """A table's CSV download: readable headers with units, raw values after them
    (``toolkit.present.tables.export_frame``), formula cells neutralised."""
    return safe_csv(tables.export_frame(df, labels=metric_labels()))


def pretty_measures(df: pl.DataFrame, measure: str = "measure") -> pl.DataFrame:
    """A long table (one row per measure) as readable text: durations, percentages, counts."""
    value_cols = [c for c in df.columns if c != measure]
    rows = []
    for row in df.iter_rows(named=True):
        name = str(row[measure])
        out = {measure: measure_label(name)}
        for c in value_cols:
            x = row[c]
            kind = tables.column_kind(name, pl.Float64())
            if x is None:
                out[c] = fmt.MISSING
            elif kind == "seconds":
                out[c] = fmt.duration(x, signed=c.endswith(("gap_s", "difference")))
            elif kind == "share":
                out[c] = fmt.percent(x)
            elif isinstance(x, (int, float)):
                out[c] = fmt.count(x) if float(x).is_integer() else fmt.number(x, decimals=2)
            else:
                out[c] = str(x)
        rows.append(out)
    return pl.DataFrame(rows, schema=dict.fromkeys(df.columns, pl.String)).rename(tables.header)


def metric_labels() -> dict[str, str]:
    """Every registered metric's plain name (its ``label`` when the registry carries one)."""
    from toolkit.core.metrics import metric_registry

    return {name: tables.header(name) for name in metric_registry()}


def measure_label(name: str) -> str:
    """A metric or column name in plain words: ``frt_median_s`` -> ``first response time (median)``."""
    return tables.header(name)


def pretty_comparison(df: pl.DataFrame) -> pl.DataFrame:
    """Comparison rows (toolkit.compare) as readable text, by each metric's kind; the times of a
    row share one unit so that they compare at a glance. The statistics (interval, p-value,
    test) when the frame carries them: without them it is the manager's view, the statistics go
    to "How we know" (:func:`comparison_table`)."""
    rows = []
    statistics = "p_value" in df.columns
    for r in df.iter_rows(named=True):
        kind = str(r.get("kind") or "value")

        def val(x: Any, *, diff: bool = False, kind: str = kind) -> str:
            return fmt.measure(x, kind=kind, difference=diff)

        row = {
            _("metric"): measure_label(str(r["metric"])),
            str(r.get("a_label") or "A"): val(r.get("a")),
            str(r.get("b_label") or "B"): val(r.get("b")),
            # Counts of two groups may cover unequal stretches of time (peaks vs the rest):
            # their difference is not a finding, the two counts are shown as they are.
            _("difference"): fmt.MISSING if kind == "count" else val(r.get("difference"), diff=True),
        }
        if statistics:
            row[_("95% interval")] = "–" if r.get("ci_low") is None else _("{low} to {high}").format(
                low=val(r["ci_low"], diff=True), high=val(r["ci_high"], diff=True))
            row[_("p-value")] = fmt.p_value(r.get("p_value"), prefix=False)
            test = r.get("test")
            row[_("test")] = _(TOO_FEW) if test == NOT_ENOUGH else (_(test) if test else "–")
        if "sentence" in r:
            row[_("in words")] = r.get("sentence") or ""
        rows.append(row)
    return pl.DataFrame(rows) if rows else df


#: How a comparison's claims are checked, in words (the "How we know" detail under each one).
HOW_WE_KNOW_COMPARISON = N_(
    "Each difference is checked two ways before a sentence calls it one. **How far it could move by "
    "chance:** the messages are drawn again at random hundreds of times; the 95% interval is the range "
    "the true difference most likely lies in, and when it includes no change there is no clear "
    "difference. **How likely by chance:** the p-value is the chance of a gap at least this large "
    "if the two groups really worked alike; below 0.05 (5%) the difference is called significant. "
    "Measures with fewer than 30 messages or turns on a side are not tested (too few messages to "
    "compare). Counts cover stretches of time of different lengths, so they are shown side by side, "
    "not as a difference."
)


def comparison_table(result: pl.DataFrame, name: str, *, key: str) -> None:
    """A comparison as a table of numbers (the downloads carry everything); the statistics
    behind it and every row's sentence one click away, in "How we know"."""
    stats = ("ci_low", "ci_high", "p_value", "test")
    table(result, name, key=key, hide=("sentence", "split", *stats))
    sentences = [x for x in result["sentence"].to_list() if x] if "sentence" in result.columns else []
    with st.expander(_("How we know")):
        st.markdown(_(HOW_WE_KNOW_COMPARISON))
        if {"metric", "a", "b", "kind"} <= set(result.columns):
            st.dataframe(pretty_comparison(result.drop([c for c in ("sentence", "split") if c in result.columns])),
                         hide_index=True, key=f"stats_{key}")
        if sentences:
            st.markdown(_("**Every measure in words**"))
            st.markdown("\n".join(f"- {escape_markdown(x)}" for x in sentences))


def headline_sentences(result: pl.DataFrame, n: int = 4) -> list[str]:
    """The comparison's lead sentences (``toolkit.compare.headline``) for a page.

    Left to the table: the business-hours variants of the time measures (their sentences read
    like the clock-time ones, "First replies … take 2.1x longer", with other numbers) and a rate
    that is the split itself (0% vs 100%, e.g. the share of turns in opening hours when
    comparing out of hours with in hours).
    """
    if result.height == 0 or not {"metric", "kind", "a", "b"} <= set(result.columns):
        return headline(result, n)
    tautology = (pl.col("kind") == "rate") & (pl.col("a") - pl.col("b")).abs().eq(1.0).fill_null(False)
    return headline(result.filter(~pl.col("metric").str.contains(r"_bh_") & ~tautology), n)

#: What a missing column holds, in a manager's words (for "add ... to see ...").
_PLAIN_COLUMNS = {
    "calendar": N_("opening hours in Settings"),
    "sentiment": N_("a sentiment score per message (most social-care tools export one)"),
    "deflected_to": N_("where conversations were moved (phone, email, chat), or the message text"),
    "handle_seconds": N_("agents' working time per message (from the helpdesk's time tracking)"),
    "csat": N_("the satisfaction survey answer (CSAT, 1 to 5)"),
    "nps": N_("the recommendation survey answer (NPS, 0 to 10)"),
    "category": N_("the interaction type (customer service, marketing…), e.g. from tagging"),
    "resolved_at": N_("the time each conversation was resolved"),
    "agent_id": N_("the agent who wrote each reply"),
    "channel": N_("the channel of each message"),
    "brand": N_("the brand (account) of each message"),
    "churned_at": N_("the date each customer left (from the customer records)"),
    "monthly_revenue": N_("each customer's monthly revenue (from the customer records)"),
    "text": N_("the message text"),
    "mention_type": N_("whether each mention addresses the brand or only names it (from a listening export)"),
    "reported_frt_bh_seconds": N_("the first response time in business hours your helpdesk reports"),
}


def _plain_column(name: str) -> str:
    known = _PLAIN_COLUMNS.get(name)
    return _(known) if known else _("a column with the {name}").format(name=name.replace("_", " "))


def coverage_display(coverage: pl.DataFrame) -> pl.DataFrame:
    """The metric coverage table in plain words: measure, available, what it needs."""
    needs = [
        "; ".join(_plain_column(c) for c in missing) if missing else ""
        for missing in coverage["missing"].to_list()
    ]
    return pl.DataFrame({
        _("measure"): [measure_label(m) for m in coverage["metric"].to_list()],
        _("available"): coverage["supported"],
        _("what it needs"): needs,
    })


def unlock_notes(f: Facts, metrics: tuple[str, ...]) -> list[str]:
    """What to add to the log to unlock these metrics (``toolkit.coverage``), one line a column."""
    cols = unlocking_columns(f.messages.columns, calendar=f.calendar)
    out = []
    for r in cols.iter_rows(named=True):
        mine = [m for m in r["metrics"] if m in metrics]
        if not mine:
            continue
        what = _plain_column(r["column"])
        out.append(_("Add {what} to see {metrics}.").format(what=what, metrics=", ".join(measure_label(m) for m in mine)))
    return out

#: Text columns longer than this are shown wide; longer than _WRAP_TEXT they also wrap (rows grow
#: to three lines). A measure's name ("first response time in business hours (median)") only
#: needs the width, not rows three times as tall.
_LONG_TEXT = 48
_WRAP_TEXT = 90

def measures_by(df: pl.DataFrame, by: str) -> pl.DataFrame:
    """A table of measures per group (one row per group, a column per measure) turned to read
    down: one row per measure, a column per group, so that many measures fit the page instead of
    scrolling sideways (shown through :func:`pretty_measures`).

    >>> measures_by(pl.DataFrame({"channel": ["email", "chat"], "turns": [3, 4]}), "channel").rows()
    [('turns', 3.0, 4.0)]
    """
    values = [c for c in df.columns if c != by]
    long = df.select(pl.col(by).cast(pl.String).fill_null("–"), *[pl.col(c).cast(pl.Float64) for c in values])
    return long.unpivot(index=by, variable_name="measure").pivot(on=by, index="measure", values="value", maintain_order=True)


def table(
    df: pl.DataFrame, name: str, *, key: str, height: int | None = None, pretty: bool = True, hide: tuple[str, ...] = (),
    export: pl.DataFrame | None = None, **kwargs: Any,
) -> None:
    """A table with CSV and Excel downloads (files built only when clicked).

    ``hide``: columns left out of the display (still in the downloads), e.g. a sentence already
    shown above the table. ``export``: what the downloads hold when it is not ``df`` itself (a
    table shown turned, for instance).
    """
    shown = df.drop([c for c in hide if c in df.columns])
    if pretty:
        shown = display_frame(shown)
    config: dict[str, Any] = {}
    wrap = False
    for c, t in shown.schema.items():
        if t.is_numeric() and c not in ("hour", "weekday", "year"):
            config[c] = st.column_config.NumberColumn(format="localized")
        elif t == pl.String and shown.height and (longest := shown[c].str.len_chars().max() or 0) > _LONG_TEXT:  # type: ignore[operator]
            config[c] = st.column_config.TextColumn(width="large")
            wrap = wrap or longest > _WRAP_TEXT  # type: ignore[operator]
        elif isinstance(t, pl.Datetime):
            config[c] = st.column_config.DatetimeColumn(format="ddd D MMM YYYY, HH:mm")
        elif t == pl.Date:
            config[c] = st.column_config.DateColumn(format="ddd D MMM YYYY")
    config.update(kwargs.pop("column_config", None) or {})
    if wrap:
        kwargs.setdefault("row_height", 70)
    st.dataframe(shown, hide_index=True, height=height or "auto", key=f"t_{key}", column_config=config, **kwargs)
    raw = df if export is None else export
    start, end = export_dates()
    with st.container(horizontal=True):
        st.download_button(_("CSV"), in_language(lambda: csv_text(raw)), file_name=export_name(name, start, end, ext="csv"), mime="text/csv", key=f"csv_{key}", on_click="ignore", icon=":material/download:")
        st.download_button(
            _("Excel"),
            in_language(lambda: _excel_bytes(tables.export_frame(raw, labels=metric_labels()))),
            file_name=export_name(name, start, end, ext="xlsx"),
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            key=f"xlsx_{key}",
            on_click="ignore",
            icon=":material/download:",
        )

def chart(c: Any, name: str, *, key: str, select: bool = False) -> Any:
    """An altair chart with PNG/SVG downloads; returns the selection when ``select``.

    The files carry the chart's title, the data's name, the date range and the filters inside
    the image (:func:`export_context`), and are named after the title and the dates.
    """
    spec = c.to_dict()
    h = spec.get("height")
    # Layered charts with a discrete axis collapse under height="content": give the full height.
    height = int(h) + 110 if isinstance(h, (int, float)) else "content"
    event = st.altair_chart(
        c, key=f"c_{key}", height=height, on_select="rerun" if select else "ignore", selection_mode=[charts.PICK] if select else None
    )
    start, end = export_dates()
    what = charts.chart_title(spec) or name
    with st.container(horizontal=True):
        st.download_button(
            _("PNG"), in_language(lambda: charts.chart_png(c, context=export_context())), file_name=export_name(what, start, end, ext="png"),
            mime="image/png", key=f"png_{key}", on_click="ignore", icon=":material/download:",
        )
        st.download_button(
            _("SVG"), in_language(lambda: charts.chart_svg(c, context=export_context())), file_name=export_name(what, start, end, ext="svg"),
            mime="image/svg+xml", key=f"svg_{key}", on_click="ignore", icon=":material/download:",
        )
    if select and event is not None:
        try:
            return event.selection.get(charts.PICK)  # type: ignore[union-attr]
        except AttributeError:
            return None
    return None


def display_frame(df: pl.DataFrame) -> pl.DataFrame:
    """A result as the page shows it: comparison rows, measure rows or a readable table."""
    if {"metric", "a", "b", "kind"} <= set(df.columns):
        return pretty_comparison(df)
    if "measure" in df.columns:
        return pretty_measures(df)
    return tables.readable(df, labels=metric_labels())


def in_language(build: Callable[[], Any]) -> Callable[[], Any]:
    """``build`` run later (when a download is clicked) in the language of this run: Streamlit
    calls deferred download functions outside the script run, where the language is the default."""
    lang = get_language()

    def run() -> Any:
        with use_language(lang):
            return build()

    return run


def export_dates(v: ViewState | None = None) -> tuple[dt.date, dt.date]:
    """The view's date range as the sidebar shows it (local dates; without far-out dates when no
    dates are chosen); default: the current view."""
    v = v or view()
    f = facts(v)
    start = max(f.first_day, min(v.start or f.dense_first, f.last_day))
    end = min(f.last_day, max(v.end or f.dense_last, f.first_day))
    return start, end


def report_filters(v: ViewState) -> list[str]:
    """A report's lines under its title: dates, filters, settings, and the far-out-dates note."""
    note = far_out_note(v, facts(v))
    return [*describe_filters(v), *([note] if note else [])]


def export_context() -> list[str]:
    """What a chart or report file says about its view: data, dates, filters and settings."""
    v = view()
    return [_("Data: {label}").format(label=_label_of(dataset(v.dataset))), *describe_filters(v)]


def report_button(v: ViewState, ds: Dataset, title: str, sections: Callable[[], list[Any]], *, key: str) -> None:
    """The page as a one-page PDF and as an HTML page (built when clicked), named after the page
    and the dates; tables as the page shows them."""
    start, end = export_dates(v)

    def parts() -> list[Any]:
        return [Table(x.title, display_frame(x.frame), x.max_rows) if isinstance(x, Table) else x for x in sections()]

    def build_html() -> str:
        return html_report(title=title, dataset=_label_of(ds), filters=report_filters(v), sections=parts())

    with st.container(horizontal=True):
        _pdf_button(_("One-page report (PDF)"), v, ds, title, parts, key=key)
        st.download_button(
            _("One-page report (HTML)"), in_language(build_html), file_name=export_name(title, start, end, ext="html"), mime="text/html",
            key=f"report_{key}", on_click="ignore", icon=":material/description:",
        )


def _pdf_button(label: str, v: ViewState, ds: Dataset, title: str, sections: Callable[[], list[Any]], *, key: str) -> None:
    """A one-page PDF of ``sections`` (built when clicked), named after ``title`` and the dates."""
    start, end = export_dates(v)

    def build() -> bytes:
        return pdf_report(title=title, dataset=_label_of(ds), filters=report_filters(v), sections=sections())

    st.download_button(
        label, in_language(build), file_name=export_name(title, start, end, ext="pdf"), mime="application/pdf",
        key=f"pdf_{key}", on_click="ignore", icon=":material/picture_as_pdf:",
    )


def comparison_report_buttons(v: ViewState, ds: Dataset, title: str, result: pl.DataFrame, chart: Any | None, *, key: str) -> None:
    """The Compare page's report: a one-page PDF (lead sentences, one sentence per measure, the
    chart) and a CSV with the same sentences, the figures with units and the raw statistics."""
    from toolkit.present.report import Bullets, Figure, Text

    labels = {m: measure_label(m) for m in result["metric"]}
    start, end = export_dates(v)

    def sections() -> list[Any]:
        lead = [Text(x) for x in headline_sentences(result, 4)]
        every = Bullets(_("Every measure in words"), comparison_sentences(result, labels=labels))
        return [*lead, every, *([Figure(chart)] if chart is not None else [])]

    with st.container(horizontal=True):
        _pdf_button(_("Comparison report (PDF)"), v, ds, title, sections, key=key)
        st.download_button(
            _("Comparison report (CSV)"), in_language(lambda: safe_csv(comparison_export(result, labels=labels))),
            file_name=export_name(title, start, end, ext="csv"), mime="text/csv", key=f"cmpcsv_{key}", on_click="ignore",
            icon=":material/download:",
        )


#: The sidebar's filter names, in words (for reports and exported charts).
_FILTER_NAMES = {"channels": N_("Channel"), "brands": N_("Brand"), "categories": N_("Category"), "agents": N_("Agent")}


def describe_filters(v: ViewState) -> list[str]:
    """The view's dates, filters and SLA target, one line each, in the current language."""
    start, end = export_dates(v)
    out = [_("Dates: {range}").format(range=fmt.date_range(start, end))]
    for fld in DIMENSION_FILTERS:
        if getattr(v, fld):
            out.append(_("{filter}: {values}").format(filter=_(_FILTER_NAMES[fld]), values=", ".join(getattr(v, fld))))
    if v.hours != "all":
        out.append(_("In opening hours only") if v.hours == "in" else _("Out of hours only"))
    out.append(_("SLA target: {minutes} min").format(minutes=fmt.number(v.sla_minutes, decimals=1)))
    return out

def local_period(col: str, timezone: str, every: str) -> pl.Expr:
    return pl.col(col).dt.convert_time_zone(timezone).dt.truncate(every).dt.replace_time_zone(None).alias("period")
