"""Server-side SVG charts (income line with trend and handovers, monthly bars); no JavaScript.

Only presentation attributes are used, never `style` elements or attributes, so the charts
obey the Content-Security-Policy both as an <img> source and inline in a page. Amounts and
months are written through Babel in the reader's language; the caller passes the other words.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from markupsafe import escape

from kube.core.formatting import format_compact_rupiah, format_month, format_month_range, format_rupiah, format_short_month
from kube.core.periods import format_month_index, from_month_index

WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 78, 28, 40, 44
GREEN, GOLD, RED, AMBER, INK, MUTED, LINE = "#0b6e4f", "#f2c14e", "#b3261e", "#a15c00", "#1d2521", "#5d6b64", "#d9e0dc"


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


def month_short(month: int) -> str:
    """A month index for the axis: `Jan 25`."""
    return format_short_month(from_month_index(month))


def month_long(month: int) -> str:
    """A month index in words: `Januari 2025`."""
    return format_month(from_month_index(month))


def month_span(first: int, last: int) -> str:
    """Two month indexes as a range in words: `Januari–Juni 2025`."""
    return format_month_range(from_month_index(first), from_month_index(last))


def _nice_step(span: float, ticks: int = 4) -> float:
    raw = max(span, 1.0) / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


def _scale(values: Sequence[float]) -> tuple[float, float, float]:
    """(low, high, step) of a y axis covering the values with round ticks."""
    low, high = min(values), max(values)
    # Zero is drawn when it is near the data, so small incomes are not exaggerated;
    # far from it, the axis zooms in so a trend of a few per cent stays visible.
    if 0 < low < 0.3 * high:
        low = 0.0
    if high < 0 and high > 0.3 * low:
        high = 0.0
    if high == low:
        high, low = high + abs(high) * 0.1 + 1000, low - abs(low) * 0.1 - 1000
    step = _nice_step(high - low)
    return math.floor(low / step) * step, math.ceil(high / step) * step, step


def _text(value) -> str:
    return str(escape(str(value)))


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


class _Frame:
    """Maps months and Rupiah to pixels inside the plot area."""

    def __init__(self, first_month: int, last_month: int, low: float, high: float):
        self.first, self.last, self.low, self.high = first_month, last_month, low, high
        self.months = last_month - first_month + 1
        self.step = (WIDTH - LEFT - RIGHT) / self.months

    def x(self, month: float) -> float:
        return LEFT + (month - self.first + 0.5) * self.step

    def y(self, value: float) -> float:
        return TOP + (self.high - value) / (self.high - self.low) * (HEIGHT - TOP - BOTTOM)


def _open(svg_id: str, title: str, description: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'role="img" aria-labelledby="{svg_id}-title {svg_id}-desc" font-family="system-ui, sans-serif" '
        f'font-size="12" fill="{INK}">',
        f'<title id="{svg_id}-title">{_text(title)}</title>',
        f'<desc id="{svg_id}-desc">{_text(description)}</desc>',
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
    ]


def _axes(frame: _Frame, step: float) -> list[str]:
    parts = ['<g class="axes">']
    tick = frame.low
    while tick <= frame.high + step / 2:
        y = _number(frame.y(tick))
        stroke = MUTED if tick == 0 else LINE
        parts.append(f'<line x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}" stroke="{stroke}" stroke-width="1"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y}" text-anchor="end" dominant-baseline="middle" '
                     f'fill="{MUTED}">{_text(format_compact_rupiah(tick))}</text>')
        tick += step
    # At most about twelve month labels, so they never overlap.
    every = max(1, math.ceil(frame.months / 12))
    for month in range(frame.first, frame.last + 1):
        if (frame.last - month) % every == 0:
            parts.append(f'<text x="{_number(frame.x(month))}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle" '
                         f'fill="{MUTED}">{_text(month_short(month))}</text>')
    parts.append("</g>")
    return parts


def income_chart_svg(points: Sequence[tuple[int, int]], first_month: int, last_month: int, *,
                     window: tuple[int, int] | None = None,
                     trend_line: tuple[tuple[int, float], tuple[int, float]] | None = None,
                     handovers: Sequence[int] = (), texts: IncomeChartTexts = IncomeChartTexts(),
                     svg_id: str = "income-chart") -> str:
    """Monthly net income as points joined by a line (broken at missing months), the trend line
    over the window, and a marker at each handover month; `points` are (month index, net)."""
    shown = [(month, net) for month, net in sorted(points) if first_month <= month <= last_month]
    marks = sorted({month for month in handovers if first_month <= month <= last_month})
    values = [net for _, net in shown] + ([value for _, value in trend_line] if trend_line else [])
    low, high, step = _scale(values or [0, 1_000_000])
    frame = _Frame(first_month, last_month, low, high)
    description = (f"{texts.net}, {month_span(first_month, last_month)}: {len(shown)} {texts.reports}"
                   + (f"; {texts.trend} {month_span(window[0], window[1])}" if trend_line and window else "")
                   + (f"; {texts.handover}: {', '.join(month_long(m) for m in marks)}" if marks else ""))
    parts = _open(svg_id, texts.title, description)

    if window:
        start, end = max(window[0], first_month), min(window[1], last_month)
        if start <= end:
            x = frame.x(start - 0.5)
            parts.append(f'<rect class="window" x="{_number(x)}" y="{TOP}" width="{_number(frame.x(end + 0.5) - x)}" '
                         f'height="{HEIGHT - TOP - BOTTOM}" fill="{GOLD}" fill-opacity="0.15"/>')
    parts.extend(_axes(frame, step))

    for month in marks:
        x = _number(frame.x(month))
        parts.append(
            f'<g class="handover" data-month="{format_month_index(month)}">'
            f'<title>{_text(texts.handover)}: {_text(month_long(month))}</title>'
            f'<line x1="{x}" y1="{TOP}" x2="{x}" y2="{HEIGHT - BOTTOM}" stroke="{RED}" stroke-width="1.5" '
            f'stroke-dasharray="3 3"/>'
            f'<path d="M {x} {TOP} l -6 -9 h 12 z" fill="{RED}"/></g>'
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
        parts.append(f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" fill="{MUTED}">'
                     f'{_text(texts.empty)}</text>')
    parts.extend(_income_legend(texts, trend_line is not None, bool(marks), window is not None))
    parts.append("</svg>")
    return "\n".join(parts)


def _income_legend(texts: IncomeChartTexts, has_trend: bool, has_handover: bool, has_window: bool) -> list[str]:
    parts = ['<g class="legend">',
             f'<circle cx="{LEFT + 6}" cy="16" r="4" fill="{GREEN}"/>',
             f'<text x="{LEFT + 16}" y="20">{_text(texts.net)}</text>']
    x = LEFT + 150
    if has_window:
        parts.append(f'<rect x="{x}" y="10" width="14" height="12" fill="{GOLD}" fill-opacity="0.3"/>')
        parts.append(f'<text x="{x + 20}" y="20">{_text(texts.window)}</text>')
        x += 115
    if has_trend:
        parts.append(f'<line x1="{x}" y1="16" x2="{x + 24}" y2="16" stroke="{AMBER}" stroke-width="2.5" '
                     f'stroke-dasharray="8 5"/>')
        parts.append(f'<text x="{x + 30}" y="20">{_text(texts.trend)}</text>')
        x += 120
    elif has_window:
        parts.append(f'<text x="{x}" y="20" fill="{MUTED}">{_text(texts.trend)}: {_text(texts.insufficient)}</text>')
        x += 200
    if has_handover:
        parts.append(f'<path d="M {x + 6} 21 l -6 -9 h 12 z" fill="{RED}"/>')
        parts.append(f'<text x="{x + 18}" y="20">{_text(texts.handover)}</text>')
    parts.append("</g>")
    return parts


def bar_chart_svg(bars: Sequence[tuple[int, int | None, int]], *, title: str, description: str,
                  count_label: str = "laporan", empty: str = "Belum ada laporan.",
                  svg_id: str = "bar-chart") -> str:
    """One bar per month: (month index, value or None, count behind it), value printed above the bar."""
    values = [value for _, value, _ in bars if value is not None]
    low, high, step = _scale(values + [0] if values else [0, 1_000_000])
    first = bars[0][0] if bars else 0
    last = bars[-1][0] if bars else 0
    frame = _Frame(first, last, low, high)
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
        parts.append(f'<text x="{_number(frame.x(month))}" y="{_number(top - 4)}" text-anchor="middle" '
                     f'font-size="10" fill="{INK}">{_text(format_compact_rupiah(value))}</text>')
    parts.append("</g>")
    if not values:
        parts.append(f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" fill="{MUTED}">{_text(empty)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)
