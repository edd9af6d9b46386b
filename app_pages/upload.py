"""The upload flow of the Data page: file -> preview -> preset and mapping -> load -> store."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import polars as pl
import streamlit as st

from app_pages import common
from toolkit.app_state.store import StoreError
from toolkit.app_state.view import ViewState
from toolkit.core.metrics import TICKET_LEVEL_NOTE
from toolkit.errors import DataError
from toolkit.io.customers import load_customers
from toolkit.io.load import load, read_table
from toolkit.io.presets import (
    MAPPABLE,
    PRESETS,
    detect_preset,
    load_preset_file,
    preset_toml,
    resolve_mapping,
)
from toolkit.io.quality import QualityReport
from toolkit.measures.outcomes import attach_customers
from toolkit.present import format as fmt
from toolkit.present.i18n import N_, LazyText, _
from toolkit.present.markdown import escape_markdown

NONE = N_("— not in the file —")
#: Columns shown first in the mapping step (the rest are under "more columns").
MAIN_COLUMNS = (
    "created_at", "direction", "conversation_id", "message_id", "in_reply_to", "author",
    "customer_id", "agent_id", "channel", "brand", "text",
)
FILE_TYPES = ["csv", "tsv", "txt", "xlsx", "xls", "parquet", "jsonl", "ndjson", "json", "js"]


def stored_quality(settings: dict[str, Any]) -> QualityReport | None:
    """The dataset's quality report as stored (None for a dataset stored before it was kept)."""
    data = settings.get("quality_report")
    return QualityReport.from_dict(data) if data else None


def _shown(q: pl.DataFrame) -> pl.DataFrame:
    return q.with_columns(pl.col("first_rows").cast(pl.List(pl.String)).list.join(", "))


def quality_frame(settings: dict[str, Any]) -> pl.DataFrame | None:
    """The quality issues table, in the current language when the report was stored."""
    report = stored_quality(settings)
    if report is not None:
        return _shown(report.to_frame(translated=True)) if report.issues else None
    rows = settings.get("quality_table") or []
    return pl.DataFrame(rows) if rows else None


def describe_dataset(ds: common.Dataset) -> None:
    s = ds.settings
    st.markdown(
        _("**File:** {v0} · **layout:** {v1} · **time zone for naive times:** {v2}").format(
            v0=escape_markdown(s.get("filename", "–")), v1=escape_markdown(s.get("preset", "–")),
            v2=escape_markdown(s.get("timezone", "UTC")))
    )
    report = stored_quality(s)
    summary = report.summary() if report is not None else s.get("quality")
    if summary:
        st.markdown(_("**Data quality**"))
        st.code(summary, language=None)
    q = quality_frame(s)
    if q is not None and q.height:
        common.table(q, "data_quality", key="dq_current")
    if s.get("mapping"):
        with st.expander(_("Column mapping used")):
            st.dataframe(
                pl.DataFrame({_("toolkit column"): list(s["mapping"]), _("file column"): list(s["mapping"].values())}),
                hide_index=True,
            )


#: Text formats whose first rows can be read from the head of the file.
_TEXT_TYPES = (".csv", ".tsv", ".txt", ".jsonl", ".ndjson")
_PREVIEW_BYTES = 2 << 20


@st.cache_data(max_entries=4, show_spinner=False)
def _preview(file_id: str, name: str, path: str) -> pl.DataFrame:
    """The first rows of the spooled upload, reading as little of it as possible."""
    spooled = Path(path)
    suffix = spooled.suffix.lower()
    if suffix == ".parquet":
        try:
            return pl.scan_parquet(spooled).head(200).collect()
        except (OSError, pl.exceptions.PolarsError):
            pass  # not really Parquet: the reader below says what it is
    if suffix in _TEXT_TYPES and spooled.stat().st_size > _PREVIEW_BYTES:
        with spooled.open("rb") as f:
            head = f.read(_PREVIEW_BYTES)
        head = head[: head.rfind(b"\n") + 1]  # whole lines only
        try:
            return read_table(head, filename=name).head(200)
        except DataError:
            pass  # e.g. a quoted field spanning the cut: read the whole file
    return read_table(spooled, filename=name).head(200)


def _spooled(up: Any) -> Path:
    """The upload written to disk once, in chunks (one file per upload and session)."""
    held = st.session_state.get("upload_spool")
    if held is not None and held[0] == up.file_id and Path(held[1]).is_file():
        return Path(held[1])
    if held is not None:
        common.store().discard_upload(held[1])
    path = common.store().spool(up, up.name)
    st.session_state.upload_spool = (up.file_id, str(path))
    st.session_state.pop("upload_result", None)  # the previous file's frame
    return path


def upload_section(v: ViewState) -> None:
    st.subheader(_("Upload a message log"))
    st.caption(
        _("CSV/TSV, Excel, Parquet or JSON lines, up to 1 GB. One row per message, with a time, a "
        "direction (customer or brand) and a way to find the conversation.")
    )
    up = st.file_uploader(_("Message log"), type=FILE_TYPES, key="upload_file")
    saved = st.file_uploader(
        _("A saved layout (optional)"), type=["toml"], key="upload_layout",
        help=_("A layout file saved here or with 'python -m toolkit preset save': its column mapping is used."),
    )
    if saved is not None:
        try:
            st.caption(_("Saved layout read: {v0}").format(v0=escape_markdown(load_preset_file(saved.getvalue()).name)))
        except DataError as exc:
            st.error(escape_markdown(exc))
    if up is None:
        held = st.session_state.pop("upload_spool", None)
        if held is not None:
            common.store().discard_upload(held[1])
            st.session_state.pop("upload_result", None)
        return
    try:
        path = _spooled(up)
        preview = _preview(up.file_id, up.name, str(path))
    except (DataError, StoreError) as exc:
        st.error(escape_markdown(exc))
        return
    size = path.stat().st_size
    st.markdown(_("**Preview** of {name} ({v1:,.1f} MB), first rows as read:").format(name=escape_markdown(up.name), v1=size / 1e6))
    st.dataframe(preview.head(8), hide_index=True)

    detected = detect_preset(preview.columns)
    names = list(PRESETS)
    preset = st.selectbox(
        _("Layout (preset)"),
        names,
        index=names.index(detected),
        key="upload_preset",
        help=_("Detected from the header; change it if the file is another export."),
        format_func=lambda n: f"{n} — {PRESETS[n].description}" + ("  (detected)" if n == detected else ""),
    )
    timezone = st.text_input(_("Time zone of times written without an offset"), value="UTC", key="upload_tz")
    account = ""
    if preset == "x_archive":
        account = st.text_input(
            _("Your brand's X account id"), key="upload_account",
            help=_("Messages sent by this account are the brand's replies. Empty: the account in every conversation."),
        ).strip()
    overrides = st.session_state.get("upload_overrides", {})
    if st.session_state.get("upload_for") != up.file_id:
        overrides = {}
        st.session_state.upload_for = up.file_id
        st.session_state.upload_overrides = {}

    result, error = _try_load(up.file_id, up.name, path, preset, overrides, timezone, account)
    guessed = dict(result.mapping) if result is not None else _guess(preview, preset)
    if error:
        st.error(escape_markdown(error))
        st.info(_("Tell the app which column holds what below, then load again."))
    edited = _mapping_editor(preview.columns, guessed, overrides, open_all=result is None)
    if st.button(_("Load with this mapping"), key="upload_remap", disabled=edited == overrides):
        st.session_state.upload_overrides = edited
        st.rerun()
    if result is None:
        return
    st.success(escape_markdown(result.quality.summary().splitlines()[0]))
    q = result.quality.to_frame()
    if q.height:
        st.markdown(_("**What was not used, and why**"))
        common.table(_shown(result.quality.to_frame(translated=True)), "data_quality", key="dq_upload")
    for note in result.quality.notes_text():
        st.caption(escape_markdown(note))
    if "source_level" in result.messages.collect_schema().names():
        st.info(_(TICKET_LEVEL_NOTE))
    layout_name = st.text_input(_("Name for this layout"), value="my_export", key="upload_layout_name")
    try:
        layout = preset_toml(layout_name, result.mapping, description=_("Layout of {name}").format(name=up.name))
        st.download_button(
            _("Save this mapping as a layout"), layout, file_name=f"{layout_name or 'layout'}.toml",
            mime="application/toml", key="upload_layout_save",
            help=_("Upload it next time (or pass --preset-file on the command line) to load the same export in one step."),
        )
    except DataError as exc:
        st.caption(escape_markdown(exc))
    st.markdown(_("**Canonical preview**"))
    st.dataframe(result.messages.head(5).collect(), hide_index=True)
    if st.button(_("Use this data"), type="primary", key="upload_use"):
        with st.status(_("Storing the data…"), expanded=False) as status:
            settings = {
                "filename": up.name,
                "preset": result.preset,
                "mapping": result.mapping,
                "overrides": overrides,
                "timezone": timezone,
                "quality": result.quality.summary(),
                "quality_report": result.quality.to_dict(),
                "quality_table": q.with_columns(pl.col("first_rows").cast(pl.List(pl.String)).list.join(", ")).to_dicts(),
            }
            t0 = time.perf_counter()
            try:
                saved = common.store().save_revocable(result.messages, settings)
            except StoreError as exc:
                status.update(label=_("Not stored"), state="error")
                st.error(escape_markdown(exc))
                return
            status.update(label=_("Stored in {seconds} s").format(seconds=fmt.number(time.perf_counter() - t0)), state="complete")
        dataset_id = saved.dataset_id
        _owns(saved)
        common.store().discard_upload(st.session_state.pop("upload_spool", (None, None))[1])
        st.session_state.pop("upload_result", None)
        st.session_state.new_revoke = dataset_id
        for key in [k for k in st.session_state if str(k).startswith(("f_", "s_"))]:
            del st.session_state[key]
        common.set_view(ViewState(dataset=dataset_id))
        st.switch_page("app_pages/overview.py")


def _owns(saved: Any) -> None:
    """This session owns a dataset it stored, and holds its removal token (shown to the owner)."""
    st.session_state.owned = {*st.session_state.get("owned", set()), saved.dataset_id}
    st.session_state.revoke_links = {**st.session_state.get("revoke_links", {}), saved.dataset_id: saved.revoke_token}


def _guess(preview: pl.DataFrame, preset: str) -> dict[str, str]:
    try:
        return resolve_mapping(preview, PRESETS[preset])
    except DataError:
        # Required columns missing: still show what could be recognised.
        out: dict[str, str] = {}
        for col in ("created_at", "direction"):
            for c in preview.columns:
                if c.lower() == col:
                    out[col] = c
        return out


def _try_load(
    file_id: str, name: str, path: Path, preset: str, overrides: dict[str, str | None], timezone: str,
    account: str = "",
) -> tuple[Any, str | None]:
    """Load the spooled file (scanned from disk when the loader can); the result's messages are
    a LazyFrame, streamed into the store on "Use this data"."""
    key = (file_id, preset, tuple(sorted(overrides.items(), key=lambda kv: kv[0])), timezone, account)
    cached = st.session_state.get("upload_result")
    if cached is not None and cached[0] == key:
        return cached[1], None
    progress = st.progress(0.0, text=_("Reading {name}…").format(name=escape_markdown(name)))
    try:
        progress.progress(0.3, text=_('Mapping columns and parsing {v0:,.1f} MB…').format(v0=path.stat().st_size / 1e6))
        t0 = time.perf_counter()
        result = load(
            path, preset=preset, mapping=overrides or None, timezone=timezone or "UTC", lazy=True,
            options={"account_id": account} if account else None,
        )
        progress.progress(1.0, text=_('Loaded {v0:,} messages in {v1:.1f} s').format(v0=result.quality.used_rows, v1=time.perf_counter() - t0))
    except DataError as exc:
        progress.empty()
        return None, str(exc)
    st.session_state.upload_result = (key, result)
    return result, None


def _mapping_editor(
    columns: list[str], guessed: dict[str, str], overrides: dict[str, str | None], *, open_all: bool
) -> dict[str, str | None]:
    """Selectboxes canonical -> file column; returns the overrides (earlier ones plus changes)."""
    st.markdown(_("**Column mapping** — what each toolkit column is read from"))
    none = _(NONE)  # the option's text in the reader's language (a file column could not be called that)
    options = [none, *columns]
    edited: dict[str, str | None] = dict(overrides)
    mappable = [c for c in MAPPABLE if c != "row_nr"]
    main = [c for c in MAIN_COLUMNS if c in mappable]
    rest = [c for c in mappable if c not in main]

    def box(target: str, container: Any) -> None:
        current = overrides[target] if target in overrides else guessed.get(target)
        index = options.index(current) if current in options else 0
        picked = container.selectbox(target, options, index=index, key=f"map_{target}")
        value = None if picked == none else picked
        if value != current:
            edited[target] = value

    cols = st.columns(4)
    for i, target in enumerate(main):
        box(target, cols[i % 4])
    with st.expander(_("More columns"), expanded=open_all):
        cols = st.columns(4)
        for i, target in enumerate(rest):
            box(target, cols[i % 4])
    return edited


@st.cache_data(max_entries=4, show_spinner=LazyText(N_("Reading the customers table…")))
def _customers(file_id: str, name: str, data: bytes) -> tuple[pl.DataFrame, dict[str, Any]]:
    """The customers table and its quality report (as data: it is written in each reader's language)."""
    result = load_customers(data, filename=name)
    return result.customers, result.quality.to_dict()


def customers_section(v: ViewState, ds: common.Dataset) -> None:
    """Upload a customers table beside the messages: its columns join every message."""
    st.subheader(_("Add a customers table (optional)"))
    st.caption(
        _("One row per customer: their id as in the message log, and any of VIP (yes/no), "
        "followers, monthly revenue, the date they left, segment and other columns. They "
        "become dimensions (group by segment, VIP, ...) and unlock defection, revenue per "
        "customer and revenue lost.")
    )
    if ds.settings.get("customers_file"):
        st.text(_("Customers attached now: {name}").format(name=ds.settings["customers_file"]))
    up = st.file_uploader(_("Customers table"), type=FILE_TYPES, key="customers_file")
    if up is None:
        return
    try:
        customers, report = _customers(up.file_id, up.name, up.getvalue())
    except DataError as exc:
        st.error(escape_markdown(exc))
        return
    summary = QualityReport.from_dict(report).summary()
    st.text(summary)
    st.dataframe(customers.head(5), hide_index=True)
    if st.button(_("Attach to this data"), type="primary", key="customers_use"):
        previous = [c for c in ds.settings.get("customer_columns", []) if c in ds.messages.columns]
        messages = attach_customers(ds.messages.drop(previous), customers)
        added = [c for c in messages.columns if c not in ds.messages.columns or c in previous]
        settings = {**ds.settings, "customers_file": up.name, "customers_quality": summary,
                    "customers_quality_report": report, "customer_columns": added}
        try:
            saved = common.store().save_revocable(messages, settings)
        except StoreError as exc:
            st.error(escape_markdown(exc))
            return
        dataset_id = saved.dataset_id
        _owns(saved)
        common.set_view(v.replace(dataset=dataset_id))
        st.switch_page("app_pages/outcomes.py")


def delete_section(v: ViewState) -> None:
    with st.expander(_("Remove this stored dataset")):
        st.caption(_("Removes the stored copy; links to it will say the data is gone."))
        if st.button(_("Remove"), key="delete_ds"):
            common.store().delete(v.dataset, by_owner=True)
            st.cache_resource.clear()
            st.session_state.owned = st.session_state.get("owned", set()) - {v.dataset}
            common.set_view(ViewState())
            st.rerun()
