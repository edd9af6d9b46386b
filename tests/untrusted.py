"""Crafted untrusted text and the check that none of it renders as markup (SPEC "Safety")."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from markdown_it import MarkdownIt

#: Marker in every crafted value: found raw in markdown source, an autolink (``http://``,
#: ``www.``) or formatting could come from it.
HOST = "evil.example"
LINK = f"[Reset your password](http://{HOST}/p)"
IMAGE = f"![x](http://{HOST}/b.png)"
FILENAME = f"Q3 {IMAGE} {LINK}.csv"
HTML = f"<img src=http://{HOST}/i.png onerror=alert(1)>"
FORMAT = f"**PWN** :red[PWN] _PWN_ www.{HOST} :material/lock:"
#: Event names cannot hold ':' (the grammar's separator): protocol-relative links then.
EVENT = f"[Sale](//{HOST}/e) ![i](//{HOST}/i.png)"
RAW_MARKERS = (HOST, "**PWN**", ":red[PWN]", "_PWN_", "<img", "<script")

#: Element types whose text is shown literally (not markdown): nothing to check there.
_LITERAL_TYPES = {"code", "text", "vega_lite_chart", "arrow_data_frame", "dataframe", "json", "exception"}
#: Proto fields that Streamlit renders as markdown (bodies, labels, tooltips, metric deltas).
_MARKDOWN_FIELDS = {"body", "label", "help", "delta", "text", "caption"}

_MD = MarkdownIt("commonmark").enable(["strikethrough", "table"])


def markdown_sources(at: Any) -> Iterator[tuple[str, str]]:
    """(element type, markdown source) for every markdown-rendered text of an AppTest run."""

    def walk(node: Any) -> Iterator[tuple[str, str]]:
        kind = getattr(node, "type", "")
        proto = getattr(node, "proto", None)
        if kind not in _LITERAL_TYPES and proto is not None and hasattr(proto, "ListFields"):
            for fld, value in proto.ListFields():
                if fld.name in _MARKDOWN_FIELDS and isinstance(value, str):
                    yield kind, value
        for child in getattr(node, "children", {}).values():
            yield from walk(child)

    yield from walk(at._tree)


def injected_markup(source: str) -> list[str]:
    """What in ``source`` would render as a link, image, HTML or formatting from crafted text."""
    found = [m for m in RAW_MARKERS if re.search(r"(?<!\\)" + re.escape(m), source)]

    def visit(tokens: list[Any]) -> None:
        for tok in tokens:
            target = " ".join(str(v) for v in (tok.attrs or {}).values())
            if tok.type in ("link_open", "image") and HOST in target:
                found.append(f"{tok.type} {target}")
            if tok.type in ("html_inline", "html_block"):
                found.append(f"{tok.type} {tok.content}")
            visit(tok.children or [])

    visit(_MD.parse(source))
    return found


def assert_no_injected_markup(at: Any) -> int:
    """Fail when any markdown-rendered element shows markup from crafted text; returns the count checked."""
    bad = [(kind, src, hits) for kind, src in markdown_sources(at) if (hits := injected_markup(src))]
    assert not bad, bad
    return sum(1 for _ in markdown_sources(at))
