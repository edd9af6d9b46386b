"""Regular expressions that mean the same on polars, DuckDB and Spark.

The three engines read regular expressions with three dialects: polars with Rust's ``regex``
crate, DuckDB with RE2, Spark with ``java.util.regex``. They agree on literals, groups,
alternation, quantifiers, classes, anchors and the ``(?i)`` flag, but not on what a word
character, a digit or a space is, nor on case-insensitive matching beyond ASCII:

* ``\\w``, ``\\d``, ``\\s`` and ``\\b`` are Unicode-aware in Rust, ASCII-only in RE2 and Java,
  so ``\\bpanne`` finds "dépanne" on DuckDB but not on polars;
* ``(?i)`` folds "é" and "É" in Rust and RE2, not in Java (ASCII only without ``(?u)``, a flag
  RE2 refuses);
* a Unicode category such as ``\\p{L}`` under ``(?i)`` makes RE2 a hundred times slower.

:func:`portable_regex` rewrites a pattern into the subset all three read alike: ``\\w`` becomes
the class :data:`WORD` (ASCII letters and digits, ``_``, accented Latin, Greek and Cyrillic
letters, combining accents: named ranges), ``\\d`` ``[0-9]``, ``\\s`` the six ASCII spaces, a
``\\b`` at the start or end of the pattern "not inside a word" (the start of the text or a
non-word character before; the end or a non-word character after), and every accented letter
both its cases (``[èe]`` -> ``[èÈe]``). Every engine, polars included, matches the rewritten
pattern, so the toolkit's text rules (care triggers, deflection phrases, customer-service
categories, direct-message targets) give the same rows everywhere. Letters of other scripts
(Arabic, CJK, ...) count as non-word characters.

One difference remains, too rare to matter: Unicode case folding makes ``(?i)k`` match the
Kelvin sign "K" (U+212A) and ``(?i)s`` the long s "ſ" (U+017F) on polars and DuckDB, not on Spark.

>>> portable_regex(r"probl[èe]me \\d+")
'probl[èÈe]me [0-9]+'
>>> portable_regex(r"\\bpanne\\b").startswith("(?:^|[^a-zA-Z0-9_")
True
"""

from __future__ import annotations

__all__ = ["WHITESPACE", "WORD", "is_portable", "portable_regex"]

#: The characters ``strip_chars`` removes on every engine (what SQL's ``trim`` gets from narwhals).
WHITESPACE = " \t\n\r\x0b\x0c"
#: A word character, the same on every engine: ASCII letters and digits, the underscore, the
#: accented Latin letters (Latin-1, Latin Extended-A and -B), combining accents, Greek and
#: Cyrillic letters. Named ranges, not ``\p{L}``: under ``(?i)`` RE2 (DuckDB) turns Unicode
#: categories into automata so large that matching slows down a hundredfold.
WORD = r"a-zA-Z0-9_\x{C0}-\x{D6}\x{D8}-\x{F6}\x{F8}-\x{24F}\x{300}-\x{36F}\x{370}-\x{3FF}\x{400}-\x{4FF}"
_SPACE = r" \t\n\r\f\x0B"
_START = rf"(?:^|[^{WORD}])"
_END = rf"(?:$|[^{WORD}])"


def _other_case(ch: str) -> str:
    """The other case of a non-ASCII letter when it is one character, else ''."""
    if ch.isascii():
        return ""
    for other in (ch.upper(), ch.lower()):
        if other != ch and len(other) == 1:
            return other
    return ""


def _flags_end(pattern: str) -> int:
    """Length of leading inline flag groups such as ``(?i)``."""
    end = 0
    while pattern.startswith("(?", end) and pattern[end + 2:end + 3].isalpha():
        close = pattern.find(")", end)
        if close < 0 or not pattern[end + 2:close].isalpha():
            break
        end = close + 1
    return end


def portable_regex(pattern: str, *, capture: bool = False) -> str:
    """``pattern`` rewritten so that polars, DuckDB and Spark match exactly the same texts.

    Parameters
    ----------
    pattern
        A regular expression (Rust / RE2 / Java common syntax).
    capture
        Put the rule (without the word-boundary guards) in a capturing group, group 1: the
        words it found, for ``str.extract``.

    Returns
    -------
    str
        The same rule in the portable subset (see the module docstring). A ``\\b`` inside the
        pattern (not at its start or end) and ``\\W``/``\\S``/``\\D`` inside a class are left as they
        are: :func:`is_portable` tells whether the result still holds such a construct.
    """
    head = _flags_end(pattern)
    flags, body = pattern[:head], pattern[head:]
    start = body.startswith(r"\b")
    end = body.endswith(r"\b") and not body.endswith(r"\\b") and len(body) > 2
    if start:
        body = body[2:]
    if end:
        body = body[:-2]
    out: list[str] = []
    i, in_class = 0, False
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt == "w":
                out.append(WORD if in_class else f"[{WORD}]")
            elif nxt == "W" and not in_class:
                out.append(f"[^{WORD}]")
            elif nxt == "d":
                out.append("0-9" if in_class else "[0-9]")
            elif nxt == "D" and not in_class:
                out.append("[^0-9]")
            elif nxt == "s":
                out.append(_SPACE if in_class else f"[{_SPACE}]")
            elif nxt == "S" and not in_class:
                out.append(f"[^{_SPACE}]")
            else:
                out.append(ch + nxt)
            i += 2
            continue
        if ch == "[" and not in_class:
            in_class = True
            out.append(ch)
            i += 1
            if body[i:i + 1] == "^":
                out.append("^")
                i += 1
            if body[i:i + 1] == "]":  # a literal ] first in a class
                out.append("\\]")
                i += 1
            continue
        if ch == "]" and in_class:
            in_class = False
            out.append(ch)
            i += 1
            continue
        other = _other_case(ch)
        # An end of a class range (à-ÿ) stays as it is: adding a letter there would change the range.
        ranged = in_class and (
            (body[i + 1:i + 2] == "-" and body[i + 2:i + 3] not in ("", "]")) or body[i - 1:i] == "-"
        )
        if other and not ranged:
            out.append(ch + other if in_class else f"[{ch}{other}]")
        else:
            out.append(ch)
        i += 1
    core = "".join(out)
    if capture:
        core = f"({core})"
    elif start or end:
        core = f"(?:{core})"
    return flags + (_START if start else "") + core + (_END if end else "")


def is_portable(pattern: str) -> bool:
    r"""Whether ``pattern`` (as :func:`portable_regex` returns it) has no engine-dependent
    construct left: no ``\b``/``\B``, ``\w``, ``\d``, ``\s`` (or their negations)."""
    i = 0
    while i < len(pattern) - 1:
        if pattern[i] == "\\":
            if pattern[i + 1] in "bBwWdDsS":
                return False
            i += 2
            continue
        i += 1
    return True
