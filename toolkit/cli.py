"""Command line: ``python -m toolkit kpis FILE ...`` (SPEC's stable contract) and friends.

Every command reads a log with :func:`toolkit.load`, prints the data-quality summary to stderr,
and prints its result to stdout as JSON (a list of objects), CSV or a table. A user's bad input
ends with exit code 2 and one clear message, never a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

import polars as pl

from toolkit._frames import collect_engine
from toolkit.errors import DataError
from toolkit.plugins import load_plugins
from toolkit.present.i18n import N_, _

__all__ = ["main"]

EXIT_BAD_INPUT = 2

#: argparse's own error messages (English in the standard library), as our catalogue's templates.
_ARGPARSE_ERRORS = [
    (re.compile(r"argument (?P<argument>.+?): invalid choice: (?P<value>.+?) \(choose from (?P<choices>.+)\)"),
     N_("argument {argument}: invalid choice: {value} (choose from {choices})")),
    (re.compile(r"argument (?P<argument>.+?): invalid (?P<kind>\w+) value: (?P<value>.+)"),
     N_("argument {argument}: {value} is not a valid {kind}")),
    (re.compile(r"argument (?P<argument>.+?): expected one argument"), N_("argument {argument}: expected a value")),
    (re.compile(r"argument (?P<argument>.+?): expected at least one argument"),
     N_("argument {argument}: expected at least one value")),
    (re.compile(r"argument (?P<argument>.+?): not allowed with argument (?P<other>.+)"),
     N_("argument {argument}: not allowed with argument {other}")),
    (re.compile(r"unrecognized arguments: (?P<arguments>.+)"), N_("unrecognized arguments: {arguments}")),
    (re.compile(r"the following arguments are required: (?P<arguments>.+)"),
     N_("the following arguments are required: {arguments}")),
]


class _Parser(argparse.ArgumentParser):
    """argparse, with its usage errors in the current language (``main`` sets it from ``--lang``
    before parsing)."""

    def format_usage(self) -> str:
        usage = super().format_usage()
        return _("usage: ") + usage.removeprefix("usage: ")

    def error(self, message: str) -> NoReturn:
        for pattern, template in _ARGPARSE_ERRORS:
            if found := pattern.fullmatch(message):
                message = _(template).format(**found.groupdict())
                break
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, _("{prog}: error: {message}").format(prog=self.prog, message=message) + "\n")


def _language_asked(argv: Sequence[str]) -> str:
    """The ``--lang`` of a command line before it is parsed (so a parse error speaks it)."""
    for i, arg in enumerate(argv):
        value = arg.partition("=")[2] if arg.startswith("--lang=") else (
            argv[i + 1] if arg == "--lang" and i + 1 < len(argv) else None)
        if value in ("en", "fr", "it"):
            return value
    return "en"


def _add_input_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="message log: CSV/TSV, Excel .xlsx, Parquet or JSON lines")
    parser.add_argument(
        "--preset",
        help="export layout: generic, twcs, front, chatwoot, engage_digital, intercom, hootsuite, "
        "x_archive, zendesk, freshdesk, or a saved one (default: detected from the header)",
    )
    parser.add_argument(
        "--preset-file",
        action="append",
        default=[],
        metavar="FILE",
        help="a saved layout (TOML, see 'preset save'); detected like the built-in ones (repeatable)",
    )
    parser.add_argument(
        "--account-id",
        help="X archive direct messages: the brand's own account id (default: the account in every conversation)",
    )
    parser.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="CANONICAL=SOURCE",
        help="map a source column onto a canonical one, e.g. --map created_at=Date (repeatable)",
    )
    parser.add_argument(
        "--timezone",
        default=None,
        help="IANA time zone for naive timestamps and opening hours (default UTC)",
    )
    parser.add_argument(
        "--session-gap",
        default="24h",
        help="inactivity gap that splits a customer's messages into conversations when the log "
        "has neither conversation ids nor reply chains (default 24h)",
    )
    parser.add_argument("--format", choices=("json", "csv", "table"), default="table")
    parser.add_argument("--quiet", action="store_true", help="do not print the data-quality summary")
    parser.add_argument(
        "--lang",
        choices=("en", "fr", "it"),
        default="en",
        help="language of sentences and of numbers and dates written as text (default en); "
        "JSON/CSV field names stay English",
    )


def _add_calendar_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--hours",
        help='opening hours, e.g. "mon-fri 09:00-12:30,13:30-18:00; sat 10:00-14:00"',
    )
    parser.add_argument(
        "--holidays",
        help="closed days: dates (2025-04-21,2025-05-01) and/or a country code (FR, US-CA)",
    )


def _add_engine_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--engine",
        choices=("polars", "duckdb", "spark"),
        default="polars",
        help="where to compute: polars (default, in memory), duckdb (bigger than memory, spills "
        "to disk) or spark (a cluster); same numbers on each (docs/engines.md)",
    )
    parser.add_argument("--memory-limit", help="DuckDB memory limit, e.g. 4GB (it spills to disk beyond)")
    parser.add_argument(
        "--spark-master", default=None, help="Spark master URL (default local[*]), e.g. spark://host:7077"
    )


def _engine_source(args: argparse.Namespace) -> Any:
    """What an engine reads: a canonical Parquet file/dir/glob itself, anything else loaded."""
    from toolkit.core.engines import _parquet_paths, canonical_parquet

    plain = not (args.preset or args.map or getattr(args, "preset_file", None))
    if plain and _parquet_paths(args.file) is not None and canonical_parquet(args.file):
        return args.file
    return load_from_args(args)


def _add_outcome_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--sla",
        default="3600",
        help="SLA target: seconds or a duration such as 1h or 30m (default 3600), or per channel: "
        "twitter=1h,facebook=86400,default=3600",
    )
    parser.add_argument(
        "--customers",
        metavar="FILE",
        help="customers table (customer_id, vip, followers, monthly_revenue, churned_at, segment, "
        "...): its columns become dimensions (--by segment) and unlock defection_rate, arpu, "
        "churned_revenue",
    )


def customers_from_args(args: argparse.Namespace) -> pl.DataFrame | None:
    """The customers table named by ``--customers`` (quality summary to stderr), or None."""
    if not getattr(args, "customers", None):
        return None
    from toolkit.io.customers import load_customers

    result = load_customers(args.customers, timezone=getattr(args, "timezone", None) or "UTC")
    if not getattr(args, "quiet", False):
        print(_("customers: {summary}").format(summary=result.quality.summary()), file=sys.stderr)
    return result.customers


def sla_from_args(args: argparse.Namespace) -> tuple[float, tuple[tuple[str, float], ...]]:
    """``--sla`` as (default seconds, per-channel targets); DataError when unreadable."""
    from toolkit.core.sla import sla_targets

    return sla_targets(str(args.sla))


def _sla_setting(args: argparse.Namespace) -> float | dict[str, float]:
    default, channels = sla_from_args(args)
    return {**dict(channels), "default": default} if channels else default


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m toolkit",
        description="Customer-service KPIs from a social inbox message log.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    kpis = commands.add_parser("kpis", help="KPIs overall or per group")
    _add_input_arguments(kpis)
    _add_calendar_arguments(kpis)
    _add_outcome_arguments(kpis)
    kpis.add_argument("--by", nargs="+", default=[], metavar="COLUMN", help="group by these columns")
    kpis.add_argument("--every", help="also group by period: 1d, 1w, 1mo ...")
    kpis.add_argument("--metrics", nargs="+", default=None, metavar="NAME",
                      help="only these metrics, e.g. frt_median_s sla_compliance (default: every one the log supports)")
    _add_engine_arguments(kpis)
    kpis.set_defaults(run=_run_kpis)

    sample = commands.add_parser("sample", help="write the synthetic sample log")
    sample.add_argument("--out", default="sample_data/sample_messages.csv")
    sample.add_argument("--conversations", type=int, default=None)
    sample.add_argument("--seed", type=int, default=None)
    sample.add_argument(
        "--customers-out", default=None, metavar="PATH",
        help="also write the sample's customers table here (e.g. sample_data/sample_customers.csv)",
    )
    sample.set_defaults(run=_run_sample)

    preset = commands.add_parser("preset", help="save your export's column mapping as a reusable layout")
    preset_commands = preset.add_subparsers(dest="preset_command", required=True, metavar="ACTION")
    save = preset_commands.add_parser("save", help="check a mapping on a file and save it as a preset file")
    save.add_argument("name", help="a name for the layout (letters, digits, underscores)")
    save.add_argument("file", help="an export in that layout, to check the mapping on")
    save.add_argument("--map", action="append", default=[], metavar="CANONICAL=SOURCE",
                      help="map a source column onto a canonical one (repeatable)")
    save.add_argument("--preset", help="start from this layout's column names")
    save.add_argument("--timezone", default=None, help="IANA time zone of times without an offset")
    save.add_argument("--description", help="one line saying what export this is")
    save.add_argument("--out", help="where to write it (default NAME.toml)")
    save.set_defaults(run=_run_preset_save)

    for register in _EXTRA_COMMANDS:
        register(commands)
    return parser


#: Other modules add their sub-commands here: each entry takes the sub-parsers object.
_EXTRA_COMMANDS: list[Callable[[Any], None]] = []


def load_from_args(args: argparse.Namespace, *, lazy: bool = False) -> Any:
    """Read the log named on the command line; the quality summary goes to stderr.

    ``lazy=True`` gives a LazyFrame (a file on disk is scanned: ``load(..., lazy=True)``).
    """
    from toolkit.io.load import load
    from toolkit.io.presets import load_preset_file

    for path in getattr(args, "preset_file", []) or []:
        load_preset_file(path)
    mapping = _mapping_from_args(args)
    result = load(
        args.file,
        preset=args.preset,
        mapping=mapping or None,
        timezone=args.timezone or "UTC",
        session_gap=args.session_gap,
        options={"account_id": args.account_id} if getattr(args, "account_id", None) else None,
        lazy=lazy,
    )
    args.loaded_rows = result.quality.used_rows  # how the plan is collected (``_run_kpis``)
    if not args.quiet:
        print(result.quality.summary(), file=sys.stderr)
        names = result.messages.collect_schema().names() if lazy else result.messages.columns
        if "source_level" in names:
            from toolkit.core.metrics import TICKET_LEVEL_NOTE

            print(_(TICKET_LEVEL_NOTE), file=sys.stderr)
    return result.messages


def _mapping_from_args(args: argparse.Namespace) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for item in args.map:
        canonical, sep, source = item.partition("=")
        if not sep or not canonical or not source:
            msg = _("--map expects CANONICAL=SOURCE (e.g. --map created_at=Date), got {item!r}").format(item=item)
            raise DataError(msg)
        mapping[canonical.strip()] = source.strip()
    return mapping


def _run_preset_save(args: argparse.Namespace) -> int:
    """Load FILE with the given mapping (to check it works) and save the mapping used."""
    from toolkit.io.load import load
    from toolkit.io.presets import save_preset

    result = load(args.file, preset=args.preset, mapping=_mapping_from_args(args) or None,
                  timezone=args.timezone or "UTC")
    out = save_preset(args.out or f"{args.name}.toml", args.name, result.mapping,
                      description=args.description or "")
    print(_("Saved the layout {name!r} ({n} columns) to {out}. Use it with --preset-file {out}.").format(
        name=args.name, n=len(result.mapping), out=out), file=sys.stderr)
    return 0


def calendar_from_args(args: argparse.Namespace, messages: pl.DataFrame | None = None) -> Any:
    """The opening-hours calendar the flags describe, or None when no flag asks for one.

    With ``messages``, the calendar's span is widened to cover their dates, so old or far-future
    logs work without a ``with_span`` call a command-line user could not make.
    """
    if not (getattr(args, "hours", None) or getattr(args, "holidays", None)):
        return None
    from toolkit.calendar.business_hours import BusinessCalendar

    calendar = BusinessCalendar.parse(
        args.hours or "mon-sun 00:00-24:00",
        timezone=args.timezone or "UTC",
        holidays=args.holidays or (),
    )
    return calendar if messages is None else calendar.covering(messages, "created_at")


def _run_kpis(args: argparse.Namespace) -> pl.DataFrame:
    from toolkit.core.kpis import kpis

    sla = _sla_setting(args)
    if args.engine != "polars":
        import warnings

        source = _engine_source(args)
        with warnings.catch_warnings(record=True) as notes:
            warnings.simplefilter("always")
            result = kpis(
                source, by=args.by, sla=sla, calendar=calendar_from_args(args), every=args.every,
                timezone=args.timezone, customers=customers_from_args(args), engine=args.engine, metrics=args.metrics,
                memory_limit=args.memory_limit, spark_master=args.spark_master,
            )
        if not args.quiet:
            for note in notes:
                print(_("note: {note}").format(note=note.message), file=sys.stderr)
        return result  # type: ignore[return-value]
    messages = load_from_args(args, lazy=True)  # one fused plan: scan -> canonical -> KPIs
    result = kpis(
        messages,
        by=args.by,
        sla=sla,
        calendar=calendar_from_args(args, messages),
        every=args.every,
        timezone=args.timezone,
        customers=customers_from_args(args),
        metrics=args.metrics,
    )
    # polars' in-memory engine when the log fits in memory (faster), else streaming (fits).
    engine = collect_engine(args.loaded_rows)
    if engine == "streaming" and not args.quiet:
        from toolkit.present.format import count

        print(_(STREAMING_NOTE).format(n=count(args.loaded_rows)), file=sys.stderr)
    return result.collect(engine=engine)  # type: ignore[union-attr]


#: Said when a log is too big for polars' in-memory engine (100M messages peaked at 19.8 GB).
STREAMING_NOTE = (
    "note: {n} messages are more than this machine's memory holds comfortably; if the run stops "
    "for lack of memory, use --engine duckdb --memory-limit 8GB (docs/engines.md)"
)


def _run_sample(args: argparse.Namespace) -> None:
    from toolkit.sample.generate import write_sample

    kwargs = {k: v for k, v in (("conversations", args.conversations), ("seed", args.seed)) if v is not None}
    path = write_sample(args.out, **kwargs)
    print(f"wrote {path}", file=sys.stderr)
    if args.customers_out:
        from toolkit.sample.generate import write_sample_customers

        print(f"wrote {write_sample_customers(args.customers_out, **kwargs)}", file=sys.stderr)


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return value


def write_frame(frame: pl.DataFrame, fmt: str, out: Any = None) -> None:
    """Print a result frame as JSON (list of objects), CSV or an aligned table."""
    out = out or sys.stdout
    if fmt == "json":
        rows = [{k: _jsonable(v) for k, v in row.items()} for row in frame.to_dicts()]
        json.dump(rows, out, indent=2, ensure_ascii=False)
        out.write("\n")
    elif fmt == "csv":
        from toolkit.present.export import safe_csv

        out.write(safe_csv(frame))
    else:
        with pl.Config(
            tbl_rows=-1,
            tbl_cols=-1,
            tbl_width_chars=10_000,
            fmt_str_lengths=60,
            float_precision=3,
            tbl_hide_dataframe_shape=True,
            tbl_hide_column_data_types=True,
        ):
            from toolkit.present.i18n import get_language

            shown, key, value = frame, "key", "value"
            if get_language() != "en":  # --lang fr/it: headers and numbers for a reader (1 234,5)
                from toolkit.present.tables import readable

                shown, key, value = readable(frame), _("measure"), _("value")
            if frame.height == 1:
                # One row reads better as key / value lines.
                shown = shown.select(pl.all().cast(pl.String)).transpose(
                    include_header=True, header_name=key, column_names=[value]
                )
            out.write(str(shown) + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    from toolkit.present.i18n import use_language

    parser = _build_parser()
    with use_language(_language_asked(sys.argv[1:] if argv is None else list(argv))):
        args = parser.parse_args(argv)

    # Sentences (compare, peaks ...) and numbers written as text follow --lang.
    with use_language(getattr(args, "lang", None) or "en"):
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    """Run the parsed command; returns the exit code."""
    try:
        # Researchers' metrics (what TOOLKIT_PLUGINS names, nothing implicit) become kpis columns too.
        load_plugins()
        result = args.run(args)
        if isinstance(result, pl.LazyFrame):
            result = result.collect()
        if isinstance(result, pl.DataFrame):
            write_frame(result, args.format)
    except DataError as exc:
        print(_("error: {message}").format(message=exc), file=sys.stderr)
        return EXIT_BAD_INPUT
    except FileNotFoundError as exc:
        print(_("error: file not found: {path}").format(path=exc.filename or exc), file=sys.stderr)
        return EXIT_BAD_INPUT
    except (IsADirectoryError, PermissionError) as exc:
        print(_("error: cannot read {path}: {reason}").format(path=exc.filename or exc, reason=exc.strerror), file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # e.g. `| head`
        return 0
    return 0


# --- compare and peaks (issue 4) ---------------------------------------------------------------


def _add_peak_arguments(parser: argparse.ArgumentParser, default_bucket: str) -> None:
    parser.add_argument(
        "--bucket", choices=("hour", "day"), default=default_bucket,
        help=f"peak buckets: hour (vs the same hour of the week) or day (vs the same weekday); "
        f"default {default_bucket}",
    )
    parser.add_argument("--k", type=float, default=3.0, help="peak threshold: median + k x MAD (default 3)")
    parser.add_argument(
        "--event", action="append", default=[], metavar="NAME=FROM..TO",
        help="a declared event (promotion) over local dates, e.g. --event 'Black Friday=2025-11-28..2025-12-01' "
        "(or 'Black Friday: 2025-11-28..2025-12-01', as in the app)",
    )


def _events_from_args(args: argparse.Namespace) -> list[Any]:
    from toolkit.calendar.events import parse_event

    return [parse_event(text) for text in args.event]


class _CompareHelp(argparse.HelpFormatter):
    """``compare --help`` lists the splits (plug-ins' too) when it is shown, so that the other
    commands do not load the comparisons (and numpy, scipy) to build the parser."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.dest == "split":
            from toolkit.analysis.compare import split_syntax

            load_plugins()  # researchers' splits (TOOLKIT_PLUGINS) are listed too
            return split_syntax()
        return super()._get_help_string(action)


def _register_compare_and_peaks(commands: Any) -> None:
    compare = commands.add_parser("compare", help="compare two groups on every metric, with statistics",
                                  formatter_class=_CompareHelp)
    _add_input_arguments(compare)
    _add_calendar_arguments(compare)
    compare.add_argument("--split", required=True, help="the two groups (listed by compare --help)")
    compare.add_argument("--metrics", nargs="+", default=None, metavar="NAME", help="metrics to compare")
    _add_outcome_arguments(compare)
    compare.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")
    compare.add_argument("--n-boot", type=int, default=1000, help="bootstrap resamples (default 1000)")
    _add_peak_arguments(compare, "day")
    _add_engine_arguments(compare)
    compare.set_defaults(run=_run_compare)

    peaks = commands.add_parser("peaks", help="peak periods of inbound volume")
    _add_input_arguments(peaks)
    _add_peak_arguments(peaks, "hour")
    peaks.add_argument("--holidays", help="a country code (FR, US-CA) whose holidays annotate the peaks")
    _add_engine_arguments(peaks)
    peaks.set_defaults(run=_run_peaks)


def _run_compare(args: argparse.Namespace) -> pl.DataFrame | None:
    from toolkit.analysis.compare import compare

    sla = _sla_setting(args)
    if args.n_boot < 100:
        msg = _("--n-boot must be at least 100, got {n_boot}").format(n_boot=args.n_boot)
        raise DataError(msg)
    if args.split.strip().lower().partition(":")[0] == "hours" and not args.hours:
        msg = _('--split hours needs opening hours: add --hours "mon-fri 09:00-18:00" (and --timezone)')
        raise DataError(msg)
    on_engine = args.engine != "polars"
    messages = _engine_source(args) if on_engine else load_from_args(args)
    result = compare(
        messages,
        args.split,
        sla=sla,
        calendar=calendar_from_args(args, None if on_engine else messages),
        metrics=args.metrics,
        events=_events_from_args(args),
        seed=args.seed,
        n_boot=args.n_boot,
        timezone=args.timezone,
        k=args.k,
        peak_bucket=args.bucket,
        customers=customers_from_args(args),
        engine=args.engine,
        memory_limit=args.memory_limit,
        spark_master=args.spark_master,
    )
    if args.format == "table":
        write_frame(result.select(
            "metric", "a_label", "a", "b_label", "b", "difference", "ci_low", "ci_high", "p_value",
            "test", "direction",
        ), "table")
        print("\n".join(result["sentence"].to_list()))  # the findings, in --lang
        return None
    return result


def _run_peaks(args: argparse.Namespace) -> pl.DataFrame:
    from toolkit.analysis.peaks import holiday_events, peak_buckets, peak_periods

    tz = args.timezone or "UTC"
    source = load_from_args(args) if args.engine == "polars" else _engine_source(args)
    # The engine counts the messages; periods, baselines and events are formed here.
    buckets = peak_buckets(
        source, bucket=args.bucket, k=args.k, timezone=tz, engine=args.engine,
        memory_limit=args.memory_limit, spark_master=args.spark_master,
    )
    buckets = buckets.collect() if isinstance(buckets, pl.LazyFrame) else buckets
    events = _events_from_args(args)
    if args.holidays and buckets.height:
        country, _sep, subdiv = args.holidays.strip().partition("-")
        first, last = buckets["bucket"].min(), buckets["bucket"].max()
        events += holiday_events(country, first.date(), last.date(), subdiv=subdiv or None)  # type: ignore[union-attr]
    return peak_periods(None, bucket=args.bucket, k=args.k, timezone=tz, events=events, buckets=buckets)


_EXTRA_COMMANDS.append(_register_compare_and_peaks)


# --- live queue: queue, spike, simulate (issue 13) ---------------------------------------------


def _load_source(args: argparse.Namespace) -> pl.DataFrame:
    """A file through the loader, or a database URI (``sqlite:///...``, ``postgresql://...``)."""
    from toolkit.io.live import DEFAULT_TABLE, is_database_uri, load_database

    if not is_database_uri(args.file):
        if args.table:
            msg = _("--table only applies to a database URI (sqlite:///path.db, postgresql://...), not {file!r}").format(file=args.file)
            raise DataError(msg)
        return load_from_args(args)
    mapping = dict(item.split("=", 1) for item in args.map if "=" in item)
    result = load_database(
        args.file, table=args.table or DEFAULT_TABLE, preset=args.preset, mapping=mapping or None,
        timezone=args.timezone or "UTC",
    )
    if not args.quiet:
        print(result.quality.summary(), file=sys.stderr)
    return result.messages


def _register_live(commands: Any) -> None:
    source_help = "message log: a file, or a database URI sqlite:///path.db / postgresql://user@host/db"
    queue = commands.add_parser("queue", help="the waiting turns now (or as of a time), prioritised and routed")
    _add_input_arguments(queue)
    queue.add_argument("--table", help="database table (default messages)")
    queue.add_argument("--as-of", help="the moment of the queue, e.g. 2025-10-15T14:00:00Z (default now)")
    queue.add_argument("--sla", default="3600", help="SLA target: seconds or a duration (1h, 30m), or CHANNEL=TARGET,...,default=TARGET (default 3600)")
    queue.add_argument("--rules", help="TOML rules file (default: the shipped rules, toolkit/analysis/queue_rules.toml)")
    queue.add_argument("--customers", help="customers table (customer_id, vip, followers, ...)")
    queue.set_defaults(run=_run_queue)

    spike = commands.add_parser("spike", help="is the current hour's inbound volume a spike for that hour of the week")
    _add_input_arguments(spike)
    spike.add_argument("--table", help="database table (default messages)")
    spike.add_argument("--as-of", help="the moment (default now)")
    spike.add_argument("--bucket", choices=("1h", "1d"), default="1h", help="current bucket: 1h (default) or 1d")
    spike.add_argument("--k", type=float, default=3.0, help="spike threshold: median + k x MAD (default 3)")
    spike.set_defaults(run=_run_spike)
    for p in (queue, spike):
        p._positionals._group_actions[0].help = source_help  # the shared "file" argument

    simulate = commands.add_parser("simulate", help="replay the sample log into a database in accelerated real time")
    simulate.add_argument("--db", required=True, help="database URI to write, e.g. sqlite:///live.db")
    simulate.add_argument("--table", default="messages", help="table to write (default messages)")
    simulate.add_argument("--source", help="log to replay (default sample_data/sample_messages.csv)")
    simulate.add_argument("--speed", type=float, default=60.0, help="times faster than real time (default 60: an hour a minute)")
    simulate.add_argument("--start", help="log time to start from (default its first message)")
    simulate.add_argument("--backfill", type=float, default=0.0, help="hours of the log before --start written at once")
    simulate.add_argument("--limit", type=int, help="stop after this many messages")
    simulate.set_defaults(run=_run_simulate)


def _run_queue(args: argparse.Namespace) -> pl.DataFrame:
    from toolkit.analysis.queue import queue
    from toolkit.core.sla import parse_sla

    sla = parse_sla(args.sla)
    messages = _load_source(args)
    result = queue(messages, as_of=args.as_of, sla=sla, rules=args.rules, customers=args.customers)
    if args.format != "json":
        # CSV and tables hold no lists.
        from toolkit.analysis.queue import reasons_text

        result = result.with_columns(reasons_text("reasons", separator="; "))  # in --lang
    return result


def _run_spike(args: argparse.Namespace) -> pl.DataFrame:
    from toolkit.analysis.queue import spike

    return spike(_load_source(args), as_of=args.as_of, bucket=args.bucket, k=args.k, timezone=args.timezone or "UTC")


def _run_simulate(args: argparse.Namespace) -> None:
    from toolkit.io.live import simulate

    def progress(written: int, now: dt.datetime) -> None:
        print(f"\r{written:,} messages written (last at {now:%H:%M:%S} UTC)", end="", file=sys.stderr, flush=True)

    print(f"replaying into {args.db} (table {args.table}) at {args.speed:g}x; Ctrl-C to stop", file=sys.stderr)
    try:
        written = simulate(
            args.db, args.source, table=args.table, speed=args.speed, start=args.start, limit=args.limit,
            backfill=args.backfill, progress=progress,
        )
    except KeyboardInterrupt:
        print("\nstopped", file=sys.stderr)
        return
    print(f"\ndone: {written:,} messages written", file=sys.stderr)


_EXTRA_COMMANDS.append(_register_live)
