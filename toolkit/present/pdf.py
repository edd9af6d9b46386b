"""A one-page PDF report of an app view: title, filters and dates, headline figures, main charts
and a table, in the current language, rendered offline with fpdf2.

The page is A4 portrait and always exactly one page: sections are laid out in order while they
fit; a table shows the rows that fit (and says how many there are), a chart that does not fit
is named at the bottom ("also in the app") instead of spilling onto a second page. Two charts in
a row sit side by side.

Everything is drawn as plain text (fpdf2's ``cell``/``multi_cell`` without markdown), so data
values and file names such as ``<b>Q3</b>.csv`` appear literally. Text uses DejaVu Sans when the
system has it (every script a message log may hold); otherwise the PDF core font Helvetica, with
characters outside Latin-1 replaced by ``?``.

Sections are the same as the HTML report's (:mod:`toolkit.present.report`): :class:`Cards`,
:class:`Figure` (an altair chart, drawn as a PNG by vl-convert), :class:`Table`, :class:`Text`,
:class:`Bullets`.

>>> import polars as pl
>>> from toolkit.present.report import Cards, Table, Text
>>> pdf = pdf_report(title="Overview", dataset="sample", filters=["Dates: 2025-01-01 to 2025-01-31"],
...                  sections=[Text("Reply rate went up."), Cards([("Reply rate", "93.0%", "+1.2 pts")]),
...                            Table("Top", pl.DataFrame({"a": [1]}))])
>>> pdf[:5]
b'%PDF-'
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from toolkit.present import format as fmt
from toolkit.present.i18n import _
from toolkit.present.report import Bullets, Cards, Figure, Table, Text

__all__ = ["pdf_report"]

#: Fonts with wide Unicode coverage, looked up in this order (Debian/Ubuntu, Fedora, macOS).
_FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu-sans-fonts"),
    Path("/usr/share/fonts/TTF"),
    Path("/Library/Fonts"),
)
_PAGE_W, _PAGE_H, _MARGIN = 210.0, 297.0, 12.0
_WIDTH = _PAGE_W - 2 * _MARGIN
_BOTTOM = _PAGE_H - _MARGIN
_INK, _MUTED, _LINE = (31, 41, 55), (107, 114, 128), (229, 231, 235)
#: Typographic characters outside Latin-1 and their plain equivalents (core-font fallback).
_PLAIN = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "−": "-", "…": "...", "≥": ">=", "≤": "<=", "×": "x", " ": " "})


def _font_files() -> tuple[Path, Path] | None:
    for d in _FONT_DIRS:
        regular, bold = d / "DejaVuSans.ttf", d / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            return regular, bold
    return None


class _Page:
    """One A4 page and a cursor; ``fits`` says whether a height still fits above the margin."""

    def __init__(self) -> None:
        from fpdf import FPDF

        pdf = FPDF(orientation="portrait", unit="mm", format="A4")
        pdf.set_auto_page_break(auto=False)
        pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
        fonts = _font_files()
        if fonts is not None:
            pdf.add_font("body", "", str(fonts[0]))
            pdf.add_font("body", "B", str(fonts[1]))
            self.family, self.unicode = "body", True
        else:
            self.family, self.unicode = "Helvetica", False
        pdf.add_page()
        self.pdf = pdf
        self.y = _MARGIN
        #: Sections stop here; the last 8 mm hold the "also in the app" line.
        self.bottom = _BOTTOM - 8

    def text(self, value: Any) -> str:
        s = "" if value is None else str(value)
        s = "".join(c if c.isprintable() else " " for c in s)
        if self.unicode:
            return s
        return s.translate(_PLAIN).encode("latin-1", "replace").decode("latin-1")

    def font(self, size: float, *, bold: bool = False, color: tuple[int, int, int] = _INK) -> None:
        self.pdf.set_font(self.family, "B" if bold else "", size)
        self.pdf.set_text_color(*color)

    def fits(self, height: float) -> bool:
        return self.y + height <= self.bottom

    def lines(self, text: str, width: float) -> list[str]:
        # multi_cell keeps a cell margin on both sides; the lines are drawn with cell(), which
        # keeps it on the left only: wrap to the width the text really gets.
        return self.pdf.multi_cell(  # type: ignore[return-value]
            width + self.pdf.c_margin, 1, self.text(text), dry_run=True, output="LINES"
        )

    def paragraph(self, text: str, *, size: float, line: float, bold: bool = False, color: tuple[int, int, int] = _INK,
                  x: float = _MARGIN, width: float = _WIDTH, max_lines: int | None = None) -> bool:
        """Draw wrapped text at the cursor; False (and nothing drawn) when it does not fit."""
        self.font(size, bold=bold, color=color)
        rows = self.lines(text, width)
        if max_lines is not None and len(rows) > max_lines:
            rows = [*rows[: max_lines - 1], self.clip(" ".join(rows[max_lines - 1:]), width)]
        if not self.fits(line * len(rows)):
            return False
        for row in rows:
            self.pdf.set_xy(x, self.y)
            self.pdf.cell(width, line, row)
            self.y += line
        return True

    def clip(self, text: str, width: float) -> str:
        """``text`` cut with an ellipsis so it fits ``width`` in the current font."""
        s = self.text(text)
        if self.pdf.get_string_width(s) <= width:
            return s
        dots = "…" if self.unicode else "..."
        while s and self.pdf.get_string_width(s + dots) > width:
            s = s[:-1]
        return s + dots


def _cell(value: Any) -> str:
    if value is None:
        return fmt.MISSING
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, float):
        return fmt.number(value, decimals=2)
    if isinstance(value, int):
        return fmt.count(value)
    if isinstance(value, dt.datetime):
        return fmt.datetime(value)
    if isinstance(value, dt.date):
        return fmt.date(value)
    return str(value)


def _cards(page: _Page, cards: Cards) -> bool:
    items = list(cards.items)
    if not items:
        return True
    per_row, gap, box_h = 4, 3.0, 17.0
    box_w = (_WIDTH - gap * (per_row - 1)) / per_row
    rows = (len(items) + per_row - 1) // per_row
    if not page.fits(rows * (box_h + gap)):
        return False
    pdf = page.pdf
    for i, (label, value, delta) in enumerate(items):
        x = _MARGIN + (i % per_row) * (box_w + gap)
        y = page.y + (i // per_row) * (box_h + gap)
        pdf.set_draw_color(*_LINE)
        pdf.rect(x, y, box_w, box_h)
        page.font(7.5, color=_MUTED)
        pdf.set_xy(x + 2, y + 1.5)
        pdf.cell(box_w - 4, 3.5, page.clip(label, box_w - 4))
        page.font(13, bold=True)
        pdf.set_xy(x + 2, y + 5.5)
        pdf.cell(box_w - 4, 6, page.clip(value, box_w - 4))
        page.font(7, color=_INK)
        pdf.set_xy(x + 2, y + 12)
        pdf.cell(box_w - 4, 3.5, page.clip(delta, box_w - 4))
    page.y += rows * (box_h + gap) + 1
    return True


def _png(chart: Any, width: int) -> tuple[bytes, float]:
    """The chart as PNG (``width`` pixels wide when it fills its container) and its height/width ratio."""
    from PIL import Image

    from toolkit.present.charts import chart_png

    data = chart_png(chart, scale=2.0, width=width)
    with Image.open(io.BytesIO(data)) as im:
        w, h = im.size
    return data, h / w


def _figures(page: _Page, figures: list[Figure]) -> list[Figure]:
    """Draw one or two charts side by side; returns those that did not fit."""
    gap = 4.0
    width = _WIDTH if len(figures) == 1 else (_WIDTH - gap) / 2
    # Half-width charts are drawn narrower, so their labels stay readable at print size.
    rendered = [_png(f.chart, 760 if len(figures) == 1 else 420) for f in figures]
    caption_h = 4.0 if any(f.caption for f in figures) else 0.0
    natural = max(width * ratio for _data, ratio in rendered)
    room = page.bottom - page.y - caption_h - 2
    # A wide chart is shrunk (to 55% of its natural size at most) to fit the space left.
    scale = min(1.0, room / natural) if natural > 0 else 1.0
    if scale < 0.55:
        return figures
    for i, (f, (data, ratio)) in enumerate(zip(figures, rendered, strict=True)):
        w = width * scale
        x = _MARGIN + i * (width + gap)
        page.pdf.image(io.BytesIO(data), x=x, y=page.y, w=w, h=w * ratio)
        if f.caption:
            page.font(7.5, color=_MUTED)
            page.pdf.set_xy(x, page.y + natural * scale + 0.5)
            page.pdf.cell(w, 3.5, page.clip(f.caption, w))
    page.y += natural * scale + caption_h + 3
    return []


#: Lines a table cell may wrap onto in the PDF before it is cut with an ellipsis.
_CELL_LINES = 3


def _column_widths(page: _Page, headers: list[str], cells: list[list[str]], numeric: list[bool]) -> list[float]:
    """Widths (mm) that fit the page: each column as wide as its longest value (60 mm at most);
    when they do not fit, the text columns give up width (they wrap) down to their longest
    word; columns beyond that are left out (the note names them)."""
    pdf = page.pdf
    natural, least = [], []
    for j, h in enumerate(headers):
        page.font(7, bold=True)
        words = page.text(h).split() or [""]
        head = min(pdf.get_string_width(page.text(h)), max(18.0, *(pdf.get_string_width(w) for w in words))) * 1.05
        page.font(7)
        column = [page.text(r[j]) for r in cells]
        value = max((pdf.get_string_width(v) for v in column), default=0.0)
        natural.append(min(60.0, max(head, value, 8.0) + 2.5))
        if numeric[j]:
            least.append(natural[-1])
        else:
            # A text column may wrap: down to its longest word (and the header's), 16 mm at least.
            word = max((pdf.get_string_width(w) for v in column for w in v.split()), default=0.0)
            least.append(min(natural[-1], max(16.0, min(head, 30.0), word + 2.5)))
    widths = list(natural)
    while sum(widths) > _WIDTH:
        spare = [j for j in range(len(widths)) if widths[j] > least[j] + 0.1]
        if not spare:
            break
        over = sum(widths) - _WIDTH
        room = sum(widths[j] - least[j] for j in spare)
        for j in spare:  # each text column gives up width in proportion to what it can spare
            widths[j] -= min(widths[j] - least[j], over * (widths[j] - least[j]) / room)
        if sum(widths) - _WIDTH > over - 0.05:
            break
    # Columns from the left while they fit.
    out: list[float] = []
    for w in widths:
        if sum(out) + w > _WIDTH + 0.01:
            break
        out.append(w)
    return out


def _table(page: _Page, t: Table) -> bool:
    """The table's columns and rows that fit, text wrapped in its cells, with a note on what is
    left out."""
    df = t.frame
    if df.width == 0:
        return True
    title_h, head_line, line_h, pad, note_h = 6.0, 3.0, 3.1, 1.1, 4.0
    head_lines = 3
    head_h = head_lines * head_line + 0.6
    room = page.bottom - page.y - title_h - head_h - 2 * note_h
    if room < 3 * (line_h + pad) and df.height >= 1:
        return False
    pdf = page.pdf
    shown = df.head(min(df.height, t.max_rows, max(1, int(room // (line_h + pad)))))
    cells = [[_cell(x) for x in row] for row in shown.iter_rows()]
    numeric = [dtype.is_numeric() for dtype in df.dtypes]
    widths = _column_widths(page, [str(c) for c in df.columns], cells, numeric)
    k = len(widths)
    headers = [str(c) for c in df.columns[:k]]
    # Each row as wrapped lines per cell; as many rows as fit under the header.
    page.font(7)
    wrapped: list[list[list[str]]] = []
    used = 0.0
    for row in cells:
        lines = []
        for value, w, right in zip(row[:k], widths, numeric[:k], strict=True):
            rows = [page.clip(value, w - 1.5)] if right else page.lines(value, w - 1.5) or [""]
            if len(rows) > _CELL_LINES:
                rows = [*rows[: _CELL_LINES - 1], page.clip(" ".join(rows[_CELL_LINES - 1:]), w - 1.5)]
            lines.append(rows)
        height = max(len(x) for x in lines) * line_h + pad
        if used + height > room:
            break
        wrapped.append(lines)
        used += height
    n = len(wrapped)
    if n < min(3, df.height):
        return False
    page.paragraph(t.title, size=10.5, line=title_h, bold=True)
    pdf.set_fill_color(249, 250, 251)
    pdf.set_draw_color(*_LINE)
    page.font(7, bold=True)
    x = _MARGIN
    for j, (h, w) in enumerate(zip(headers, widths, strict=True)):
        pdf.set_xy(x, page.y)
        pdf.cell(w, head_h, "", border="B", fill=True)
        rows = page.lines(h, w - 1.5)
        if len(rows) > head_lines:
            rows = [*rows[: head_lines - 1], page.clip(" ".join(rows[head_lines - 1:]), w - 1.5)]
        for i, row in enumerate(rows):
            pdf.set_xy(x, page.y + 0.3 + i * head_line)
            pdf.cell(w, head_line, row, align="R" if numeric[j] else "L")
        x += w
    page.y += head_h
    page.font(7)
    for lines in wrapped:
        height = max(len(x) for x in lines) * line_h + pad
        x = _MARGIN
        for cell_lines, w, right in zip(lines, widths, numeric, strict=False):
            pdf.set_xy(x, page.y)
            pdf.cell(w, height, "", border="B")
            for i, text in enumerate(cell_lines):
                pdf.set_xy(x, page.y + pad / 2 + i * line_h)
                pdf.cell(w, line_h, text, align="R" if right else "L")
            x += w
        page.y += height
    notes = []
    if n < df.height:
        notes.append(_("First {shown} of {total} rows; every row is in the app's CSV and Excel downloads.").format(
            shown=fmt.count(n), total=fmt.count(df.height)))
    if k < df.width:
        notes.append(_("Columns not shown here: {names}.").format(names=", ".join(str(c) for c in df.columns[k:])))
    if notes:
        page.paragraph(" ".join(notes), size=7, line=note_h, color=_MUTED, max_lines=2)
    page.y += 2
    return True


def _bullets(page: _Page, b: Bullets) -> bool:
    """A title and one wrapped line per item; items that do not fit are counted in a note."""
    line, note_h = 3.5, 4.0
    if not b.lines:
        return True
    if not page.fits(6.0 + 2 * line + note_h):
        return False
    page.paragraph(b.title, size=10.5, line=6.0, bold=True)
    page.font(7.5)
    shown = 0
    for item in b.lines:
        rows = page.lines(item, _WIDTH - 4)
        if not page.fits(line * len(rows) + note_h):
            break
        page.pdf.set_xy(_MARGIN, page.y)
        page.pdf.cell(4, line, "•" if page.unicode else "-")
        for row in rows:
            page.pdf.set_xy(_MARGIN + 4, page.y)
            page.pdf.cell(_WIDTH - 4, line, row)
            page.y += line
        page.y += 0.6
        shown += 1
    if shown < len(b.lines):
        page.paragraph(
            _("{n} more lines are in the app and its downloads.").format(n=fmt.count(len(b.lines) - shown)),
            size=7, line=note_h, color=_MUTED,
        )
    page.y += 2
    return True


def _name(section: Cards | Figure | Table | Text | Bullets) -> str:
    from toolkit.present.charts import chart_title

    if isinstance(section, (Table, Bullets)):
        return section.title
    if isinstance(section, Figure):
        return section.caption or chart_title(section.chart)
    return ""


def pdf_report(
    *,
    title: str,
    dataset: str,
    filters: Sequence[str],
    sections: Sequence[Cards | Figure | Table | Text | Bullets],
    generated: dt.datetime | None = None,
) -> bytes:
    """Render the sections onto one A4 page and return the PDF bytes.

    Parameters
    ----------
    title
        The page's title ("Overview"), already in the reader's language.
    dataset
        The data's name (an uploaded file's name is shown as it is, as plain text).
    filters
        One line per filter or setting, the date range first ("Dates: 1 Oct 2017 to 31 Oct 2017").
    sections
        In reading order: sentences (:class:`Text`), headline figures (:class:`Cards`), charts
        (:class:`Figure`, two in a row side by side), lists (:class:`Bullets`), tables (:class:`Table`, cells already as
        the reader should see them; other values are formatted with :mod:`toolkit.present.format`).
    generated
        When the report was made (default: now, UTC).

    Returns
    -------
    bytes
        A one-page PDF. What did not fit is listed at the bottom of the page.
    """
    page = _Page()
    when = generated or dt.datetime.now(dt.UTC)
    page.paragraph(title, size=18, line=8.5, bold=True, max_lines=2)
    page.y += 1
    meta = [_("Data: {label}").format(label=dataset), *filters]
    page.paragraph("  ·  ".join(page.text(x) for x in meta if x), size=8.5, line=4.2, color=_MUTED, max_lines=4)
    page.paragraph(_("Generated {when} UTC").format(when=f"{when:%Y-%m-%d %H:%M}"), size=7.5, line=4, color=_MUTED)
    page.y += 3
    left: list[str] = []
    items = list(sections)
    i = 0
    while i < len(items):
        s = items[i]
        if isinstance(s, Figure):
            run = [s]
            if i + 1 < len(items) and isinstance(items[i + 1], Figure):
                run.append(items[i + 1])  # type: ignore[arg-type]
            left += [_name(f) for f in _figures(page, run)]
            i += len(run)
            continue
        if isinstance(s, Text):
            ok = page.paragraph(s.text, size=9.5, line=4.6)
            page.y += 1.2 if ok else 0
        elif isinstance(s, Cards):
            ok = _cards(page, s)
        elif isinstance(s, Bullets):
            ok = _bullets(page, s)
        else:
            ok = _table(page, s)
        if not ok and _name(s):
            left.append(_name(s))
        i += 1
    if left:
        page.bottom = _BOTTOM
        page.paragraph(_("Also in the app, not on this page: {names}.").format(names=", ".join(x for x in left if x)),
                       size=7.5, line=3.8, color=_MUTED, max_lines=2)
    return bytes(page.pdf.output())

