"""No English text reaches a user without ``_()``: an AST scan of toolkit/, app_pages/ and app.py.

The catalogue test (tests/test_i18n.py) checks that every ``_()`` message has a French and an
Italian translation; it cannot see a message that was never wrapped. This scan finds those: a
string literal or f-string with words in it that goes

- into an error raised to the user (``raise DataError(...)``, ``ValueError``, the toolkit's error
  family, ``ArgumentError.invalid(..., allowed, why=...)``), directly or through the variable
  raised (``msg = f"..."; raise DataError(msg)``);
- into a Streamlit element (``st.title``, ``st.caption``, ``col.metric``, widget labels, ``help=``,
  ``placeholder=``, column configs, spinners, page titles);
- out of a function that writes sentences (decorated ``@speaks``), as what it returns.

Text is fine when it is the argument of ``_``/``N_``/``ngettext``/``translate`` (then
``.format``-ted), or has no words (``": "``, ``"{a} · {b}"``). :data:`ALLOWED` lists the few
literals that are genuinely not translatable (command syntax, code), each with its reason.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: Calls whose (first) argument is translated: text inside them is wrapped.
TRANSLATORS = {"_", "N_", "gettext", "ngettext", "translate", "localise", "side_label", "LazyText"}
#: Exceptions whose message reaches a user (the toolkit's family and ValueError, which the CLI and
#: the app show); programmer errors (TypeError, RuntimeError, AssertionError ...) are not scanned.
USER_ERRORS = {"ValueError", "ToolkitError", "DataError", "ArgumentError", "ColumnNotFoundError", "StoreError",
               "LiveError", "PresetError", "QueueRulesError", "HoursError", "SlaError", "UnknownDataset",
               "MetricError", "EngineError", "SplitError"}
#: Streamlit elements whose first argument (or label=/help=/placeholder=) a person reads.
ST_TEXT = {"title", "header", "subheader", "caption", "markdown", "write", "text", "info", "warning", "error",
           "success", "toast", "metric", "button", "download_button", "link_button", "page_link", "selectbox",
           "multiselect", "radio", "checkbox", "toggle", "text_input", "text_area", "number_input", "date_input",
           "time_input", "slider", "select_slider", "segmented_control", "pills", "expander", "popover",
           "file_uploader", "form_submit_button", "spinner", "status", "tabs", "Page"}
ST_KEYWORDS = {"label", "help", "placeholder", "title", "caption", "show_spinner"}
#: Literals that are not language: syntax a user types, code, formats.
ALLOWED = {
    "COLUMN:A[,B]",  # split syntax a user types (toolkit.analysis.compare.split_syntax)
    "sqlite:///live.db",  # an example database URI (Live queue placeholder)
    "email=86400,default=3600",  # an example of the SLA syntax (Live queue placeholder)
    "UTC",  # a time zone name
}
_WORD = re.compile(r"[^\W\d_]{2,}")


def _words(text: str) -> bool:
    """Whether ``text`` holds language: a word of 2+ letters outside {placeholders} and `code`."""
    text = re.sub(r"\{[^{}]*\}", " ", text)
    text = re.sub(r"`[^`]*`|:material/\w+:", " ", text)
    return text.strip() not in ALLOWED and bool(_WORD.search(text))


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _untranslated(node: ast.expr | None) -> list[ast.expr]:
    """The literal parts of ``node`` that hold words and are not inside a translator call."""
    if node is None:
        return []
    if isinstance(node, ast.Constant):
        return [node] if isinstance(node.value, str) and _words(node.value) else []
    if isinstance(node, ast.JoinedStr):
        fixed = "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
        inner = [x for v in node.values if isinstance(v, ast.FormattedValue) for x in _untranslated(v.value)]
        return ([node] if _words(fixed) else []) + inner
    if isinstance(node, ast.BinOp):
        return _untranslated(node.left) + (_untranslated(node.right) if isinstance(node.op, ast.Add) else [])
    if isinstance(node, ast.IfExp):
        return _untranslated(node.body) + _untranslated(node.orelse)
    if isinstance(node, ast.BoolOp):
        return [x for v in node.values for x in _untranslated(v)]
    if isinstance(node, (ast.List, ast.Tuple)):
        return [x for v in node.elts for x in _untranslated(v)]
    if isinstance(node, ast.Call):
        name = _name(node.func)
        if name in TRANSLATORS:
            return []
        if name in ("format", "join", "strip") and isinstance(node.func, ast.Attribute):
            return _untranslated(node.func.value) + [x for a in node.args for x in _untranslated(a)] + [
                x for k in node.keywords for x in _untranslated(k.value)]
        if name in ("escape_markdown", "str"):
            return [x for a in node.args for x in _untranslated(a)]
    return []


def _functions(tree: ast.AST) -> list[ast.AST]:
    return [tree, *(n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))]


def _own_nodes(func: ast.AST) -> list[ast.AST]:
    """The nodes of ``func``'s own body (not those of functions defined inside it)."""
    out, todo = [], list(ast.iter_child_nodes(func))
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        out.append(node)
        todo.extend(ast.iter_child_nodes(node))
    return out


def _error_call(node: ast.expr | None) -> ast.Call | None:
    if isinstance(node, ast.Call) and _name(node.func) in USER_ERRORS:
        return node
    return None


def _leaves(node: ast.expr | None) -> list[ast.expr]:
    """The names and calls whose value becomes part of ``node``'s text (``msg``, ``f"{a} {hint}"``,
    ``_("...").format(where=where)``, ``x if c else y``), not those only used to compute it."""
    if isinstance(node, (ast.Name, ast.Call)) and not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return [node]
    if isinstance(node, ast.JoinedStr):
        return [x for v in node.values if isinstance(v, ast.FormattedValue) for x in _leaves(v.value)]
    if isinstance(node, ast.BinOp):
        return _leaves(node.left) + _leaves(node.right)
    if isinstance(node, ast.IfExp):
        return _leaves(node.body) + _leaves(node.orelse)
    if isinstance(node, ast.BoolOp):
        return [x for v in node.values for x in _leaves(v)]
    if isinstance(node, ast.Call) and _name(node.func) in ("format", "join", "strip"):
        return _leaves(node.func.value) + [x for v in (*node.args, *(k.value for k in node.keywords))
                                           for x in _leaves(v)]
    return []


def _traced(expr: ast.expr, assigned: dict[str, list[ast.expr]], helpers: dict[str, list[ast.expr]],
            seen: set[int]) -> list[ast.expr]:
    """``expr``, the values assigned to the names that make up its text (``msg``, ``hint``,
    ``where`` ...) and what the module's own helpers it calls return (``_names(columns)``),
    followed transitively."""
    if id(expr) in seen:
        return []
    seen.add(id(expr))
    out = [expr]
    for node in _leaves(expr):
        if isinstance(node, ast.Name):
            for value in assigned.get(node.id, []):
                out += _traced(value, assigned, helpers, seen)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            for value in helpers.get(node.func.id, []):
                out += _traced(value, {}, helpers, seen)
    return out


def _assignments(nodes: list[ast.AST]) -> dict[str, list[ast.expr]]:
    assigned: dict[str, list[ast.expr]] = {}
    for n in nodes:
        if isinstance(n, ast.Assign):
            for t in n.targets:
                if isinstance(t, ast.Name):
                    assigned.setdefault(t.id, []).append(n.value)
        elif isinstance(n, (ast.AnnAssign, ast.AugAssign)) and isinstance(n.target, ast.Name) and n.value:
            assigned.setdefault(n.target.id, []).append(n.value)
    return assigned


def _sinks(tree: ast.AST, *, app: bool) -> list[ast.expr]:
    """The expressions whose text reaches a user."""
    functions = _functions(tree)
    # What each module-level helper (a function that builds part of a message) returns.
    helpers = {
        f.name: [n.value for n in _own_nodes(f) if isinstance(n, ast.Return) and n.value is not None]
        for f in functions if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
    }
    sinks: list[ast.expr] = []
    for func in functions:
        nodes = _own_nodes(func)
        assigned = _assignments(nodes)
        raised: list[ast.expr] = []
        for n in nodes:
            if isinstance(n, (ast.Raise, ast.Return)):
                call = _error_call(n.exc if isinstance(n, ast.Raise) else n.value)
                if call is not None and call.args:
                    raised.append(call.args[0])
            if not isinstance(n, ast.Call):
                continue
            name = _name(n.func)
            if name == "invalid" and isinstance(n.func, ast.Attribute):
                raised += n.args[2:3] + [k.value for k in n.keywords if k.arg in ("why", "allowed")]
            elif (name.endswith(("_error", "title")) and name != "register_error") or name == "warn":
                # message builders (_hours_error), chart titles (_title), warnings.warn
                raised += n.args
            elif name in USER_ERRORS and n.args:  # an error built here, raised elsewhere
                raised.append(n.args[0])
            if app and isinstance(n.func, ast.Attribute) and (name in ST_TEXT or name.endswith("Column")):
                if n.args and name != "Page":
                    sinks.append(n.args[0])
                sinks += [k.value for k in n.keywords if k.arg in ST_KEYWORDS]
            if app and name in ("cache_data", "cache_resource"):
                sinks += [k.value for k in n.keywords if k.arg == "show_spinner"]
            # Chart titles, subtitles, axis titles, captions (toolkit.present, pages).
            raised += [k.value for k in n.keywords if k.arg in ("title", "subtitle", "caption")]
        seen: set[int] = set()
        for expr in raised:
            sinks += _traced(expr, assigned, helpers, seen)
        decorators = getattr(func, "decorator_list", [])
        if any(_name(d) == "speaks" for d in decorators):
            sinks += [n.value for n in nodes if isinstance(n, ast.Return) and n.value is not None]
    return sinks


def _files() -> list[Path]:
    return [*sorted((ROOT / "toolkit").rglob("*.py")), *sorted((ROOT / "app_pages").rglob("*.py")), ROOT / "app.py"]


def untranslated_text(path: Path) -> list[str]:
    """``"file:line: text"`` for each literal with words that reaches a user unwrapped in ``path``."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    app = path.name == "app.py" or "app_pages" in path.parts
    found = {}
    for sink in _sinks(tree, app=app):
        for node in _untranslated(sink):
            found[(node.lineno, node.col_offset)] = ast.get_source_segment(source, node) or ""
    rel = path.relative_to(ROOT)
    return [f"{rel}:{line}: {text[:100]}" for (line, _col), text in sorted(found.items())]


def test_no_user_facing_literal_escapes_translation():
    found = [hit for path in _files() for hit in untranslated_text(path)]
    assert not found, (
        f"{len(found)} English text(s) reach a user without _() (wrap them: _(\"... {{name}} ...\").format(name=...), "
        "then add French and Italian to toolkit/locale/*/LC_MESSAGES/toolkit.po):\n" + "\n".join(found)
    )


@pytest.mark.parametrize(
    ("code", "bad"),
    [
        ('def f(x):\n    raise DataError(f"no column {x!r}")\n', True),
        ('def f(x):\n    msg = f"no column {x!r}"\n    raise DataError(msg)\n', True),
        ('def f(x):\n    raise ArgumentError.invalid("split", x, "write kind:value", why="is bad")\n', True),
        ('def f(x):\n    raise ValueError("split " + x + " is bad")\n', True),
        ('def f(x):\n    raise DataError(_("no column {x!r}").format(x=x))\n', False),
        ('def f(x):\n    msg = _("no column {x!r}").format(x=x)\n    raise DataError(f"{msg} {hint}")\n', False),
        ('def f(x):\n    raise TypeError(f"programmer error {x}")\n', False),
        ('def f(x):\n    raise DataError(f"{x}: {y}")\n', False),
        ('@speaks\ndef f(x):\n    return f"{x} is higher"\n', True),
        ('@speaks\ndef f(x):\n    return _("{x} is higher").format(x=x)\n', False),
        ('def f(x):\n    hint = "try again"\n    raise DataError(_("bad {x}. {hint}").format(x=x, hint=hint))\n', True),
        ('def more(n):\n    return f" and {n} more"\ndef f(x):\n    raise DataError(_("{a}{b}").format(a=x, b=more(3)))\n', True),
        ('def f(n):\n    return _title(f"{n} turns", None)\n', True),
        ('def f(x):\n    warnings.warn(f"{x} left out", stacklevel=2)\n', True),
        ('def f(x):\n    n = len(x)\n    raise DataError(_("{n} rows").format(n=fmt.count(n)))\n', False),
    ],
)
def test_the_scan_catches_unwrapped_text_and_passes_wrapped_text(code, bad):
    hits = [n for s in _sinks(ast.parse(code), app=False) for n in _untranslated(s)]
    assert bool(hits) == bad, (code, hits)


@pytest.mark.parametrize(
    ("code", "bad"),
    [
        ('st.caption(f"{n} messages")\n', True),
        ('col.metric("Conversations", value)\n', True),
        ('st.selectbox(label, options, help="Pick one")\n', True),
        ('st.text(f"Customers attached now: {name}")\n', True),
        ('@st.cache_data(show_spinner="Reading the file…")\ndef g():\n    pass\n', True),
        ('st.caption(_("{n} messages").format(n=fmt.count(n)))\n', False),
        ('st.markdown("---")\n', False),
        ('st.dataframe(table, column_config={"a": st.column_config.NumberColumn(_("Rate"), help=_("Why"))})\n', False),
    ],
)
def test_the_scan_sees_streamlit_text(code, bad):
    hits = [n for s in _sinks(ast.parse(code), app=True) for n in _untranslated(s)]
    assert bool(hits) == bad, (code, hits)


@pytest.mark.parametrize("lang", ["fr", "it"])
def test_every_kind_of_split_has_a_translated_label(lang):
    """The Compare page lists the registered kinds of split by their labels (``SplitKind.label``)."""
    from toolkit.analysis.compare import split_registry  # registers the built-in kinds and ``experience``
    from toolkit.present.i18n import translate

    untranslated = [k.label for k in split_registry().values() if translate(k.label, lang) == k.label]
    assert not untranslated, untranslated
