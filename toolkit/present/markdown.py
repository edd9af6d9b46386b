r"""Untrusted text inside markdown: shown as the characters it holds, never as markup.

File names, data values (channel names, agent ids, event names) and URL parameters come from
whoever uploaded the file or crafted the link. Rendered through markdown as they are, a file named
``Q3 ![x](http://host/b.png) [Reset your password](http://host/p).csv`` shows a phishing link and
makes every viewer's browser fetch the attacker's image. Every place that puts such text into
markdown (the app's captions, headings, notes and messages) passes it through
:func:`escape_markdown` first; plain-text outputs (tables, the CLI, the HTML report, which escapes
HTML itself) need nothing.

>>> print(escape_markdown("Q3 ![x](http://host/b.png).csv"))
Q3 \!\[x\]\(http\:\/\/host\/b\.png\)\.csv
"""

from __future__ import annotations

import re

__all__ = ["escape_markdown"]

#: Every ASCII punctuation character: CommonMark lets any of them be backslash-escaped, and an
#: escaped one is shown as itself. Escaping all of them (not only ``[]()!*_``) also breaks what
#: works without brackets: autolinks (``http://``, ``www.``, ``a@b.c``), HTML tags and entities,
#: Streamlit's ``:red[...]``, ``:material/icon:`` and emoji directives, ``$`` maths, tables.
_PUNCTUATION = re.compile(r"""([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])""")
#: Line breaks would start a new block (a heading, a list, a quote) and leading spaces or tabs an
#: indented code block: untrusted text stays one line, each run of white space one space (as HTML
#: shows it anyway).
_SPACES = re.compile(r"\s+")


def escape_markdown(text: object) -> str:
    r"""``text`` escaped so that markdown (Streamlit's included) shows it literally.

    Every ASCII punctuation character gets a backslash, each run of white space (line breaks
    included) becomes one space. The result reads
    the same once rendered; put it inside markup of your own (``f"**File:** {escape_markdown(name)}"``).

    Parameters
    ----------
    text
        Any value; ``None`` and numbers are turned into text with ``str``.

    Returns
    -------
    str
        Markdown source that renders as exactly ``str(text)`` (white space as single spaces).

    Examples
    --------
    >>> print(escape_markdown("[Reset your password](http://host/p)"))
    \[Reset your password\]\(http\:\/\/host\/p\)
    >>> escape_markdown("plain words 42")
    'plain words 42'
    """
    return _PUNCTUATION.sub(r"\\\1", _SPACES.sub(" ", str(text)))
