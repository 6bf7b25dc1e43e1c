"""Server-side SVG charts (income line with trend, handovers and the poverty line; monthly bars); no JavaScript.

Only presentation attributes are used, never `style` elements or attributes, so the charts
obey the Content-Security-Policy both as an <img> source and inline in a page. Amounts and
months are written through Babel in the reader's language; the caller passes the other words.

Made to be read on a phone: the drawing is scaled to the width of its container, so the
viewBox is narrow (WIDTH) and the type large (FONT_SIZE) enough that text is at least
MIN_READABLE_PX tall when the chart is 300 px wide (a 360 px phone less the page's and the card's padding).
The y axis always includes zero, so a small dip never looks like a collapse. Every plotted
value is also given as rows (`income_chart_rows`) for a table screen readers and touch users
can read; the charts need no hovering.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Sequence

from markupsafe import escape

from kube.core.formatting import format_compact_rupiah, format_month, format_month_range, format_rupiah, format_short_month
from kube.core.periods import format_month_index, from_month_index

#: The narrowest width a chart is shown at (360 px phone less the page padding) and the smallest type there.
PHONE_WIDTH_PX, MIN_READABLE_PX = 300, 11
WIDTH, HEIGHT = 400, 300
FONT_SIZE = 15  # 15 x 300 / 400 = 11.25 px on the phone
LEFT, RIGHT, BOTTOM = 80, 26, 30  # RIGHT leaves room for half of the newest month's label
#: A rough width of one character of the chart's type, in em, to keep labels apart without measuring text.
CHAR_EM = 0.6
LEGEND_ROW = 20
GREEN, GOLD, RED, AMBER, INK, MUTED, LINE = "#0b6e4f", "#f2c14e", "#b3261e", "#a15c00", "#1d2521", "#5d6b64", "#d9e0dc"
PURPLE = "#6a3d9a"


@dataclass(frozen=True)
class IncomeChartTexts:
    """The words on an income chart; the caller passes them translated."""

    title: str = "Pendapatan bersih per bulan"
    net: str = "Pendapatan bersih"
    trend: str = "Garis tren"
    window: str = "Jendela tren"
    handover: str = "Serah terima bantuan"
    empty: str = "Belum ada laporan pada periode ini."
    insufficient: str = "data belum cukup"
    reports: str = "laporan"
    poverty: str = "Garis kemiskinan ekstrem"


@dataclass(frozen=True)
class IncomeChartRow:
    """One month of an income chart as a table row: every value the chart plots for that month."""

    month: int
    net: int | None = None
    trend: int | None = None
    poverty: int | None = None
    handover: bool = False


def month_short(month: int) -> str:
    """A month index for the axis: `Jan 25`."""
    return format_short_month(from_month_index(month))


def month_long(month: int) -> str:
    """A month index in words: `Januari 2025`."""
    return format_month(from_month_index(month))


def month_span(first: int, last: int) -> str:
    """Two month indexes as a range in words: `Januari–Juni 2025`."""
    return format_month_range(from_month_index(first), from_month_index(last))


def text_width(text: str, font_size: float = FONT_SIZE) -> float:
    """An estimate of the drawn width of `text`, generous so that neighbouring labels never touch."""
    return len(text) * font_size * CHAR_EM


def poverty_line_by_month(members: Mapping[int, int], line: int, first_month: int, last_month: int
                          ) -> list[tuple[int, int]]:
    """The extreme poverty line in the chart's units (a group's net income), month by month.

    The below-extreme-poverty flag compares each report's net per active member with the line,
    so for a chart of the group's net the line is `line x active members` of that month. A month
    without a report keeps the members of the nearest earlier report (the first report's before it).
    """
    known = sorted((month, count) for month, count in members.items() if count > 0)
    if not known:
        return []
    result, count = [], known[0][1]
    by_month = dict(known)
    for month in range(first_month, last_month + 1):
        count = by_month.get(month, count)
        result.append((month, line * count))
    return result


def _trend_at(trend_line, month: int) -> float | None:
    """The trend line's value at a month inside its span, else None."""
    if not trend_line:
        return None
    (x1, y1), (x2, y2) = trend_line
    if not x1 <= month <= x2:
        return None
    return y1 if x2 == x1 else y1 + (y2 - y1) * (month - x1) / (x2 - x1)


def income_chart_rows(points: Sequence[tuple[int, int]], first_month: int, last_month: int, *,
                      trend_line: tuple[tuple[int, float], tuple[int, float]] | None = None,
                      handovers: Sequence[int] = (), poverty_line: Sequence[tuple[int, int]] = ()
                      ) -> list[IncomeChartRow]:
    """The values `income_chart_svg` plots with the same arguments, one row per month that has any, oldest first."""
    nets = {month: net for month, net in points if first_month <= month <= last_month}
    poverty = {month: amount for month, amount in poverty_line if first_month <= month <= last_month}
    marks = {month for month in handovers if first_month <= month <= last_month}
    rows = []
    for month in range(first_month, last_month + 1):
        trend = _trend_at(trend_line, month)
        row = IncomeChartRow(month, nets.get(month), None if trend is None else round(trend), poverty.get(month),
                             month in marks)
        if row.net is not None or row.trend is not None or row.handover or (row.poverty is not None and nets):
            rows.append(row)
    # Poverty amounts alone (months before the first report) are not worth a row each: start at the first real value.
    while rows and rows[0].net is None and rows[0].trend is None and not rows[0].handover:
        rows.pop(0)
    return rows


def _nice_step(span: float, ticks: int = 4) -> float:
    raw = max(span, 1.0) / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


def _scale(values: Sequence[float]) -> tuple[float, float, float]:
    """(low, high, step) of a y axis covering the values and zero with round ticks.

    Zero is always on the axis: an axis starting at Rp3,6 jt makes a dip of a few per cent
    look like a collapse to someone glancing at a phone.
    """
    low, high = min(0.0, *values), max(0.0, *values)
    if high == low:
        high = 1_000_000.0
    step = _nice_step(high - low)
    return math.floor(low / step) * step, math.ceil(high / step) * step, step


def _text(value) -> str:
    return str(escape(str(value)))


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


class _Frame:
    """Maps months and Rupiah to pixels inside the plot area (from `top` to the bottom axis)."""

    def __init__(self, first_month: int, last_month: int, low: float, high: float, top: float):
        self.first, self.last, self.low, self.high, self.top = first_month, last_month, low, high, top
        self.months = last_month - first_month + 1
        self.step = (WIDTH - LEFT - RIGHT) / self.months
        self.bottom = HEIGHT - BOTTOM

    @property
    def message_y(self) -> float:
        """Where a message in an empty plot goes: between two gridlines, so no line runs through its words."""
        return self.top + (self.bottom - self.top) * 0.375

    def x(self, month: float) -> float:
        return LEFT + (month - self.first + 0.5) * self.step

    def y(self, value: float) -> float:
        return self.top + (self.high - value) / (self.high - self.low) * (self.bottom - self.top)


def _open(svg_id: str, title: str, description: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'role="img" aria-labelledby="{svg_id}-title {svg_id}-desc" font-family="system-ui, sans-serif" '
        f'font-size="{FONT_SIZE}" fill="{INK}">',
        f'<title id="{svg_id}-title">{_text(title)}</title>',
        f'<desc id="{svg_id}-desc">{_text(description)}</desc>',
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
    ]


def _axes(frame: _Frame, step: float) -> list[str]:
    parts = ['<g class="axes">']
    count = round((frame.high - frame.low) / step)
    for index in range(count + 1):
        tick = frame.low + index * step
        y = _number(frame.y(tick))
        stroke = MUTED if tick == 0 else LINE
        parts.append(f'<line class="gridline" data-value="{_number(tick)}" x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" '
                     f'y2="{y}" stroke="{stroke}" stroke-width="1"/>')
        parts.append(f'<text class="y-label" x="{LEFT - 6}" y="{y}" text-anchor="end" dominant-baseline="middle" '
                     f'fill="{MUTED}">{_text(format_compact_rupiah(tick))}</text>')
    # As many month labels as fit side by side, counted back from the newest month.
    label = max(text_width(month_short(month)) for month in range(frame.first, frame.last + 1)) + 8
    every = max(1, math.ceil(label / frame.step))
    for month in range(frame.first, frame.last + 1):
        if (frame.last - month) % every == 0:
            parts.append(f'<text class="x-label" x="{_number(frame.x(month))}" y="{HEIGHT - BOTTOM + 20}" '
                         f'text-anchor="middle" fill="{MUTED}">{_text(month_short(month))}</text>')
    parts.append("</g>")
    return parts


def _legend(items: Sequence[tuple[str, str]]) -> tuple[list[str], float]:
    """Legend entries (symbol markup drawn at 0,0 to 16,0; words) flowed into rows; the parts and their height."""
    parts, x, row = ['<g class="legend">'], 8.0, 0
    for symbol, words in items:
        width = 22 + text_width(words) + 14
        if x > 8 and x + width > WIDTH - 8:
            x, row = 8.0, row + 1
        y = 14 + row * LEGEND_ROW
        parts.append(f'<g transform="translate({_number(x)} {y})">{symbol}'
                     f'<text x="22" y="0" dominant-baseline="middle">{_text(words)}</text></g>')
        x += width
    parts.append("</g>")
    return parts, (row + 1) * LEGEND_ROW + 14


def income_chart_svg(points: Sequence[tuple[int, int]], first_month: int, last_month: int, *,
                     window: tuple[int, int] | None = None,
                     trend_line: tuple[tuple[int, float], tuple[int, float]] | None = None,
                     handovers: Sequence[int] = (), poverty_line: Sequence[tuple[int, int]] = (),
                     texts: IncomeChartTexts = IncomeChartTexts(), svg_id: str = "income-chart") -> str:
    """Monthly net income as points joined by a line (broken at missing months), the trend line
    over the window, a marker at each handover month and, when given, the extreme poverty line
    as (month index, group net at the line); `points` are (month index, net). The y axis starts at zero."""
    shown = [(month, net) for month, net in sorted(points) if first_month <= month <= last_month]
    marks = sorted({month for month in handovers if first_month <= month <= last_month})
    poverty = [(month, amount) for month, amount in sorted(poverty_line) if first_month <= month <= last_month]
    values = ([net for _, net in shown] + ([value for _, value in trend_line] if trend_line else [])
              + [amount for _, amount in poverty])
    low, high, step = _scale(values or [0, 1_000_000])

    legend = [(f'<circle cx="8" cy="0" r="4" fill="{GREEN}"/>', texts.net)]
    if window:
        legend.append((f'<rect x="0" y="-6" width="16" height="12" fill="{GOLD}" fill-opacity="0.3"/>', texts.window))
    if trend_line:
        legend.append((f'<line x1="0" y1="0" x2="16" y2="0" stroke="{AMBER}" stroke-width="2.5" '
                       f'stroke-dasharray="6 3"/>', texts.trend))
    elif window:
        legend.append(("", f"{texts.trend}: {texts.insufficient}"))
    if marks:
        legend.append((f'<path d="M 8 6 l -6 -10 h 12 z" fill="{RED}"/>', texts.handover))
    if poverty:
        legend.append((f'<line x1="0" y1="0" x2="16" y2="0" stroke="{PURPLE}" stroke-width="2" '
                       f'stroke-dasharray="2 3"/>', texts.poverty))
    legend_parts, legend_height = _legend(legend)
    frame = _Frame(first_month, last_month, low, high, top=legend_height + 12)

    description = (f"{texts.net}, {month_span(first_month, last_month)}: {len(shown)} {texts.reports}"
                   + (f"; {texts.trend} {month_span(window[0], window[1])}" if trend_line and window else "")
                   + (f"; {texts.handover}: {', '.join(month_long(m) for m in marks)}" if marks else "")
                   + (f"; {texts.poverty}" if poverty else ""))
    parts = _open(svg_id, texts.title, description)

    if window:
        start, end = max(window[0], first_month), min(window[1], last_month)
        if start <= end:
            x = frame.x(start - 0.5)
            parts.append(f'<rect class="window" x="{_number(x)}" y="{_number(frame.top)}" '
                         f'width="{_number(frame.x(end + 0.5) - x)}" height="{_number(frame.bottom - frame.top)}" '
                         f'fill="{GOLD}" fill-opacity="0.15"/>')
    parts.extend(_axes(frame, step))

    if poverty:
        parts.extend(_poverty_line(frame, poverty, texts.poverty))

    for month in marks:
        x = _number(frame.x(month))
        parts.append(
            f'<g class="handover" data-month="{format_month_index(month)}">'
            f'<title>{_text(texts.handover)}: {_text(month_long(month))}</title>'
            f'<line x1="{x}" y1="{_number(frame.top)}" x2="{x}" y2="{frame.bottom}" stroke="{RED}" stroke-width="1.5" '
            f'stroke-dasharray="3 3"/>'
            f'<path d="M {x} {_number(frame.top)} l -6 -9 h 12 z" fill="{RED}"/></g>'
        )

    # One polyline per run of consecutive months: a missing report is a gap, not a straight line.
    runs: list[list[tuple[int, int]]] = []
    for month, net in shown:
        if runs and runs[-1][-1][0] == month - 1:
            runs[-1].append((month, net))
        else:
            runs.append([(month, net)])
    for run in runs:
        if len(run) > 1:
            coordinates = " ".join(f"{_number(frame.x(m))},{_number(frame.y(v))}" for m, v in run)
            parts.append(f'<polyline class="net-line" points="{coordinates}" fill="none" stroke="{GREEN}" '
                         f'stroke-width="2"/>')

    if trend_line:
        (x1, y1), (x2, y2) = trend_line
        parts.append(f'<line id="{svg_id}-trend" class="trend" x1="{_number(frame.x(x1))}" y1="{_number(frame.y(y1))}" '
                     f'x2="{_number(frame.x(x2))}" y2="{_number(frame.y(y2))}" stroke="{AMBER}" stroke-width="2.5" '
                     f'stroke-dasharray="8 5"/>')

    parts.append('<g class="points">')
    for month, net in shown:
        parts.append(f'<circle class="point" data-month="{format_month_index(month)}" data-net="{net}" '
                     f'cx="{_number(frame.x(month))}" cy="{_number(frame.y(net))}" r="4" '
                     f'fill="{RED if net < 0 else GREEN}"><title>{_text(month_long(month))}: '
                     f'{_text(format_rupiah(net))}</title></circle>')
    parts.append("</g>")

    if not shown:
        parts.append(f'<text x="{_number((LEFT + WIDTH - RIGHT) / 2)}" y="{_number(frame.message_y)}" '
                     f'text-anchor="middle" dominant-baseline="middle" '
                     f'fill="{MUTED}">{_text(texts.empty)}</text>')
    parts.extend(legend_parts)
    parts.append("</svg>")
    return "\n".join(parts)


def _poverty_line(frame: _Frame, poverty: Sequence[tuple[int, int]], words: str) -> list[str]:
    """The extreme poverty line as steps (its amount changes with the number of active members)."""
    coordinates: list[str] = []
    for month, amount in poverty:
        y = _number(frame.y(amount))
        coordinates.append(f"{_number(frame.x(month - 0.5))},{y} {_number(frame.x(month + 0.5))},{y}")
    return [f'<g class="poverty-line"><title>{_text(words)}</title>'
            f'<polyline points="{" ".join(coordinates)}" fill="none" stroke="{PURPLE}" stroke-width="2" '
            f'stroke-dasharray="2 3"/></g>']


def bar_chart_svg(bars: Sequence[tuple[int, int | None, int]], *, title: str, description: str,
                  count_label: str = "laporan", empty: str = "Belum ada laporan.",
                  svg_id: str = "bar-chart") -> str:
    """One bar per month: (month index, value or None, count behind it) from a zero baseline; the value
    is printed above the bar where it fits (the page gives every value in a table as well)."""
    values = [value for _, value, _ in bars if value is not None]
    low, high, step = _scale(values or [0, 1_000_000])
    first = bars[0][0] if bars else 0
    last = bars[-1][0] if bars else 0
    frame = _Frame(first, last, low, high, top=24)
    parts = _open(svg_id, title, description)
    parts.extend(_axes(frame, step))
    width = frame.step * 0.6
    zero = frame.y(0)
    parts.append('<g class="bars">')
    for month, value, count in bars:
        if value is None:
            continue
        top, bottom = sorted((frame.y(value), zero))
        x = frame.x(month) - width / 2
        parts.append(
            f'<rect class="bar" data-month="{format_month_index(month)}" data-value="{value}" x="{_number(x)}" '
            f'y="{_number(top)}" width="{_number(width)}" height="{_number(max(bottom - top, 1))}" '
            f'fill="{RED if value < 0 else GREEN}"><title>{_text(month_long(month))}: {_text(format_rupiah(value))} '
            f'({count} {_text(count_label)})</title></rect>'
        )
        label = format_compact_rupiah(value)
        if text_width(label) + 4 <= frame.step:
            parts.append(f'<text class="bar-label" x="{_number(frame.x(month))}" y="{_number(top - 4)}" '
                         f'text-anchor="middle" fill="{INK}">{_text(label)}</text>')
    parts.append("</g>")
    if not values:
        parts.append(f'<text x="{_number((LEFT + WIDTH - RIGHT) / 2)}" y="{_number(frame.message_y)}" '
                     f'text-anchor="middle" dominant-baseline="middle" fill="{MUTED}">{_text(empty)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)
