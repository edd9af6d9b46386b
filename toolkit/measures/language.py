"""The language of each message: read from a ``language`` column, else detected offline.

Detection uses ``lingua-language-detector`` (its models ship in the wheel; no network), restricted
to the languages the toolkit scores - English, French, Italian - which keeps it fast and avoids
confusing them with languages we could not score anyway. It runs once per distinct text, in one
batch call (``detect_languages_in_parallel_of``, native code on all cores): about 0.1 ms per short
text on the 2-core dev machine, plus about 1 s to load the three models the first time
(measured in ``docs/languages.md``). Texts too short or ambiguous to tell (``"ok"``, a lone emoji)
get null. Handles, hashtags and links are removed before detecting. A text in another language
gets the closest of the three (a Spanish tweet is often called Italian).
"""

from __future__ import annotations

import functools
from typing import Any

import polars as pl

from toolkit._frames import Frame, as_lazy, same_kind
from toolkit.errors import DataError
from toolkit.present.i18n import _

__all__ = ["SUPPORTED_LANGUAGES", "add_language", "detect_languages", "language_code"]

SUPPORTED_LANGUAGES = ("en", "fr", "it")
_NOISE = r"[@#]\w+|https?://\S+|www\.\S+"

_NAMES = {
    "english": "en", "anglais": "en", "inglese": "en", "eng": "en",
    "french": "fr", "francais": "fr", "français": "fr", "francese": "fr", "fra": "fr", "fre": "fr",
    "italian": "it", "italien": "it", "italiano": "it", "ita": "it",
}  # fmt: skip


def language_code(expr: pl.Expr) -> pl.Expr:
    """A language column as a two-letter code: ``"fr-FR"``, ``"FR"``, ``"French"`` -> ``"fr"``.

    Codes and names of English, French and Italian (in those three languages) are recognised; any
    other value keeps its first two-letter part lower-cased (``"es-ES"`` -> ``"es"``); blank -> null.

    Examples
    --------
    >>> s = pl.Series(["fr-FR", "Italiano", " EN ", "es_ES", ""])
    >>> pl.select(language_code(pl.lit(s))).to_series().to_list()
    ['fr', 'it', 'en', 'es', None]
    """
    cleaned = expr.cast(pl.String).str.strip_chars().str.to_lowercase()
    base = cleaned.str.split_exact("-", 1).struct.field("field_0").str.split_exact("_", 1)
    base = base.struct.field("field_0")
    named = cleaned.replace_strict(_NAMES, default=None, return_dtype=pl.String)
    return pl.coalesce(named, pl.when(base.str.len_chars() > 0).then(base))


@functools.cache
def _detector() -> Any:
    from lingua import Language, LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(
        Language.ENGLISH, Language.FRENCH, Language.ITALIAN
    ).build()


def detect_languages(texts: list[str]) -> list[str | None]:
    """The language of each text (``"en"``, ``"fr"``, ``"it"`` or None), in one batch call.

    Examples
    --------
    >>> detect_languages(["Merci pour votre aide", "Grazie per l'aiuto", "Thanks for the help"])
    ['fr', 'it', 'en']
    """
    if not texts:
        return []
    # Handles and links say nothing about the language and mislead on short texts.
    cleaned = pl.Series(texts, dtype=pl.String).str.replace_all(_NOISE, " ").str.strip_chars()
    found = _detector().detect_languages_in_parallel_of(cleaned.fill_null("").to_list())
    return [None if lang is None else lang.iso_code_639_1.name.lower() for lang in found]


def add_language(messages: Frame, *, text: str = "text", overwrite: bool = False) -> Frame:
    """Add a ``language`` column: the source's when present, else detected from ``text``.

    Parameters
    ----------
    messages
        Canonical messages with a ``text`` column, eager or lazy (a LazyFrame's distinct texts
        are collected to detect them; the result stays lazy).
    text
        The text column.
    overwrite
        Detect every message even where a ``language`` value exists.

    Returns
    -------
    The messages with ``language`` (two-letter code; null when the text is empty or too short to
    tell).

    Examples
    --------
    >>> m = pl.DataFrame({"text": ["Le colis n'est toujours pas arrivé", "👍"]})
    >>> add_language(m)["language"].to_list()
    ['fr', None]
    """
    lf = as_lazy(messages)
    schema = lf.collect_schema()
    if text not in schema:
        msg = _("add_language needs a {text!r} column (found: {names})").format(text=text, names=schema.names())
        raise DataError(msg)
    given = (
        language_code(pl.col("language"))
        if "language" in schema and not overwrite
        else pl.lit(None, pl.String)
    )
    lf = lf.with_columns(_given_language=given, _text_key=pl.col(text).cast(pl.String))
    lookup = _detected(lf)
    result = (
        lf.join(lookup, on="_text_key", how="left", maintain_order="left")
        .with_columns(language=pl.coalesce("_given_language", "_detected_language"))
        .drop("_given_language", "_text_key", "_detected_language")
    )
    return same_kind(result, messages)


def _detected(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Detected language of each distinct non-empty text that has no given language."""
    unique = (
        lf.filter(
            pl.col("_given_language").is_null()
            & (pl.col("_text_key").str.strip_chars().str.len_chars() > 0)
        )
        .select("_text_key")
        .unique()
        .collect()
        .get_column("_text_key")
        .to_list()
    )
    return pl.LazyFrame(
        {"_text_key": unique, "_detected_language": detect_languages(unique)},
        schema={"_text_key": pl.String, "_detected_language": pl.String},
    )
