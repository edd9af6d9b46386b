"""The product's languages: English, French, Italian - the chosen language and the translations.

Every sentence, label and header a person reads is written in English in the code, wrapped in
``_()`` (or :func:`ngettext` when it depends on a count), and translated at run time from the
gettext catalogues ``toolkit/locale/<lang>/LC_MESSAGES/toolkit.po``. A translator edits those
``.po`` files (Poedit, Weblate, any text editor) without touching code; they are read directly
(Babel parses them, once per process), so there is no compiled ``.mo`` that could drift from its
``.po``. ``python -m toolkit.present.i18n`` re-extracts the messages from the code into
``toolkit/locale/toolkit.pot`` and merges them into the ``.po`` files (Babel's extract/update);
``tests/test_i18n.py`` fails while any message has no French or Italian translation.

The chosen language is a context variable: :func:`set_language` sets it for the current thread
(a CLI run, an app session's script run), :func:`use_language` for a ``with`` block, and the
functions that write sentences take ``lang=`` to override it. Numbers and dates follow it too:
:mod:`toolkit.present.format` uses :func:`get_language` when no locale is given.

Examples
--------
>>> translate("Conversations", "fr"), translate("Conversations", "it")
('Conversations', 'Conversazioni')
>>> with use_language("it"):
...     _("First response time")
'Tempo di prima risposta'
>>> get_language()
'en'
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import inspect
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from toolkit.errors import ArgumentError

__all__ = [
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "N_",
    "LazyText",
    "Message",
    "_",
    "get_language",
    "gettext",
    "language_from_header",
    "localise",
    "ngettext",
    "set_language",
    "speaks",
    "translate",
    "use_language",
]

#: The languages the product speaks, the first one the default.
LANGUAGES = ("en", "fr", "it")
#: Each language's name in itself (for a language selector).
LANGUAGE_NAMES = {"en": "English", "fr": "Français", "it": "Italiano"}

F = TypeVar("F", bound=Callable[..., Any])

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "toolkit"

_current: contextvars.ContextVar[str] = contextvars.ContextVar("toolkit_language", default="en")


def check_language(lang: str | None, argument: str = "lang") -> str:
    """``lang`` as one of :data:`LANGUAGES` (None: the current language); anything else raises.

    Examples
    --------
    >>> check_language("FR"), check_language(None)
    ('fr', 'en')
    """
    if lang is None:
        return _current.get()
    code = str(lang).strip().lower().replace("_", "-").split("-")[0]
    if code not in LANGUAGES:
        raise ArgumentError.invalid(argument, lang, list(LANGUAGES))
    return code


def set_language(lang: str) -> str:
    """Make ``lang`` (``"en"``, ``"fr"``, ``"it"``; ``"fr-FR"`` works) the current language."""
    code = check_language(lang)
    _current.set(code)
    return code


def get_language() -> str:
    """The current language (``"en"`` unless :func:`set_language` said otherwise)."""
    return _current.get()


@contextlib.contextmanager
def use_language(lang: str | None) -> Iterator[str]:
    """A ``with`` block in ``lang`` (None: keep the current one); the language is restored after."""
    token = _current.set(check_language(lang))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


@functools.cache
def _translations(lang: str) -> Translations | None:
    if lang == "en":
        return None
    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as f:
        catalog = read_po(f, locale=lang, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


def translate(text: str, lang: str | None = None) -> str:
    """``text`` (an English message) in ``lang`` (default the current language).

    A message the catalogue lacks stays English (the catalogue test keeps that from shipping).
    """
    code = check_language(lang)
    t = _translations(code)
    return text if t is None else t.gettext(text)


def gettext(text: str) -> str:
    """``text`` in the current language (gettext's name; ``_`` is the short one)."""
    return translate(text)


_ = gettext


def ngettext(singular: str, plural: str, n: int, lang: str | None = None) -> str:
    """The singular or plural message for ``n`` in ``lang``, by that language's plural rule.

    Examples
    --------
    >>> ngettext("{n} conversation", "{n} conversations", 1, "fr").format(n=1)
    '1 conversation'
    >>> ngettext("{n} conversation", "{n} conversations", 2, "it").format(n=2)
    '2 conversazioni'
    """
    code = check_language(lang)
    t = _translations(code)
    if t is None:
        return singular if n == 1 else plural
    return t.ngettext(singular, plural, n)


def speaks(func: F) -> F:
    """Give a function that writes sentences a keyword-only ``lang=`` (None: the current language).

    The function runs inside :func:`use_language`, so every ``_()`` and every number it formats
    follow ``lang``; its data (column names, JSON fields, machine values) stay English.
    """
    signature = inspect.signature(func)
    if "lang" not in signature.parameters:
        extra = inspect.Parameter("lang", inspect.Parameter.KEYWORD_ONLY, default=None, annotation="str | None")
        params = list(signature.parameters.values())
        at = next((i for i, p in enumerate(params) if p.kind is inspect.Parameter.VAR_KEYWORD), len(params))
        params.insert(at, extra)
        signature = signature.replace(parameters=params)

    @functools.wraps(func)
    def wrapper(*args: Any, lang: str | None = None, **kwargs: Any) -> Any:
        with use_language(lang):
            return func(*args, **kwargs)

    wrapper.__signature__ = signature  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


def N_(text: str) -> str:
    """Mark ``text`` for the catalogue without translating it now (labels defined at import)."""
    return text


class LazyText(str):
    """An English message that is translated each time it is turned into text (``str(x)``), for
    text fixed when a module is imported but shown later in the reader's language (a cached
    function's spinner: ``@st.cache_data(show_spinner=LazyText(N_("Finding peaks…")))``).

    Examples
    --------
    >>> waiting = LazyText(N_("Computing…"))
    >>> with use_language("it"):
    ...     str(waiting)
    'Calcolo in corso…'
    >>> str(waiting)
    'Computing…'
    """

    def __str__(self) -> str:
        return translate(str.__str__(self))


class Message(str):
    """An English message that remembers its template and values, to be shown later in any language.

    It *is* the English text (a ``str``: compare it, store it, print it), and
    :meth:`in_language` writes it in another language: the template translated from the
    catalogue, then filled. Whole numbers among the values are written in that language's format
    (``1,234`` / ``1 234`` / ``1.234``). Used where a text is made once and read later, possibly
    in another language (the data-quality report's reasons and notes). Mark the template with
    ``N_()`` so the catalogue has it.

    Examples
    --------
    >>> m = Message(N_("{n} times without a UTC offset were read as {timezone} local time"), n=1234,
    ...             timezone="Europe/Paris")
    >>> m
    '1,234 times without a UTC offset were read as Europe/Paris local time'
    >>> m.in_language("fr")
    '1\u202f234 heures sans décalage UTC ont été lues comme heure locale de Europe/Paris'
    """

    template: str
    values: dict[str, Any]

    def __new__(cls, template: str, /, **values: Any) -> Message:
        obj = super().__new__(cls, _fill(template, values, "en"))
        obj.template = template
        obj.values = values
        return obj

    def __reduce__(self) -> tuple[Any, ...]:
        return (_message, (self.template, self.values))

    def in_language(self, lang: str | None = None) -> str:
        """The message in ``lang`` (default the current language)."""
        code = check_language(lang)
        return _fill(translate(self.template, code), self.values, code)

    def to_dict(self) -> dict[str, Any]:
        """``{"template": ..., "values": {...}}`` (JSON when the values are)."""
        return {"template": self.template, "values": dict(self.values)}


def _message(template: str, values: dict[str, Any]) -> Message:
    return Message(template, **values)


def _fill(template: str, values: dict[str, Any], lang: str) -> str:
    if not values:
        return template
    from toolkit.present.format import count

    shown = {k: count(v, locale=lang) if isinstance(v, int) and not isinstance(v, bool) else v for k, v in values.items()}
    return template.format(**shown)


def localise(text: str, lang: str | None = None) -> str:
    """``text`` in ``lang`` (default the current language): a :class:`Message` is written in it,
    any other string is looked up in the catalogue (unknown text stays as is).

    Examples
    --------
    >>> localise("missing", "it")
    'mancante'
    >>> localise(Message(N_("No data rows: all {input_rows} rows are empty."), input_rows=2000), "it")
    'Nessuna riga di dati: tutte le 2.000 righe sono vuote.'
    """
    if isinstance(text, Message):
        return text.in_language(lang)
    return translate(text, lang)


def message_from_dict(data: dict[str, Any] | str) -> str:
    """The :class:`Message` that :meth:`Message.to_dict` wrote (a plain string stays a string)."""
    if isinstance(data, str):
        return data
    return Message(data["template"], **data.get("values", {}))


def language_from_header(accept_language: str | None) -> str | None:
    """The first supported language of an HTTP ``Accept-Language`` header, by preference weight.

    Examples
    --------
    >>> language_from_header("de-DE,de;q=0.9,fr;q=0.8,en;q=0.7")
    'fr'
    >>> language_from_header("es-ES"), language_from_header(None)
    (None, None)
    """
    if not accept_language:
        return None
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _sep, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        code = tag.strip().lower().split("-")[0]
        if code in LANGUAGES and weight > 0:
            ranked.append((-weight, position, code))
    return min(ranked)[2] if ranked else None


def _update_catalogues() -> None:  # pragma: no cover - a maintainer's tool, run by hand
    """Extract the messages of toolkit/, app_pages/ and app.py (and the metrics' labels) and add
    the new ones, untranslated, to each .po; existing translations are kept."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir, extract_from_file
    from babel.messages.pofile import write_po

    root = LOCALE_DIR.parent.parent
    template = Catalog(domain=DOMAIN, project="social-care-kpis")
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "translate": (1,)}
    for folder in ("toolkit", "app_pages"):
        method_map = [("**.py", "python")]
        for filename, lineno, message, comments, context in extract_from_dir(
            root / folder, method_map, keywords=keywords
        ):
            template.add(message, None, [(f"{folder}/{filename}", lineno)],
                         auto_comments=comments, context=context)
    for lineno, message, comments, context in extract_from_file("python", root / "app.py", keywords=keywords):
        template.add(message, None, [("app.py", lineno)], auto_comments=comments, context=context)
    # Metric labels and descriptions live in the registry (plug-ins add theirs), not in _() calls.
    import toolkit  # noqa: F401  (registers the built-in metrics)
    from toolkit.core.metrics import metric_registry

    for metric in metric_registry().values():
        for text in (metric.label, metric.description):
            if text:
                template.add(text, None, [("toolkit/core/metrics.py", 0)])
    for lang in LANGUAGES[1:]:
        path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        with path.open("rb") as f:
            catalog = read_po(f, locale=lang, domain=DOMAIN)
        # Only add: a message built at run time (split side labels, column words) is not always
        # visible to the extractor, and its translation must not be dropped.
        for message in template:
            if message.id and message.id not in catalog:
                empty = ("",) * catalog.num_plurals if isinstance(message.id, tuple) else ""
                catalog.add(message.id, empty, locations=message.locations)
        with path.open("wb") as f:
            write_po(f, catalog, width=100)


if __name__ == "__main__":  # pragma: no cover
    _update_catalogues()
