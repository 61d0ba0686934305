"""Charts for the stats page, drawn on the server as inline SVG (no script, nothing from a CDN).

Every label is escaped: channel and source names come from the archived pages.
"""

from __future__ import annotations

from datetime import date, timedelta

from markupsafe import Markup, escape

BAR = "#b30000"
MUTED = "#777"


def _open_svg(width: int, height: int, title: str) -> str:
    return (
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    )


def bar_chart(rows: list[tuple[str, int]], *, title: str, width: int = 560) -> Markup:
    """Horizontal bars, one per (label, value), largest first as given."""
    line, label_w, pad = 22, 150, 4
    height = line * max(len(rows), 1) + 2 * pad
    top = max((value for _, value in rows), default=0) or 1
    room = width - label_w - 60
    parts = [_open_svg(width, height, title)]
    for n, (label, value) in enumerate(rows):
        y = pad + n * line
        bar = max(1, round(room * value / top)) if value else 0
        text = label if len(label) <= 12 else label[:11] + "…"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{escape(text)}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{bar}" height="{line - 6}" fill="{BAR}">'
            f"<title>{escape(label)}: {value}</title></rect>"
            f'<text x="{label_w + bar + 5}" y="{y + 15}" fill="{MUTED}">{value}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _fill_days(days: list[tuple[str, int]]) -> list[tuple[date, int]]:
    counts = {date.fromisoformat(d): n for d, n in days}
    first, last = min(counts), max(counts)
    span = (last - first).days + 1
    return [
        (first + timedelta(days=i), counts.get(first + timedelta(days=i), 0)) for i in range(span)
    ]


def timeline(
    days: list[tuple[str, int]], *, title: str, width: int = 760, height: int = 180
) -> Markup:
    """Articles per day as columns over time (days without articles stay empty)."""
    if not days:
        return Markup("")
    series = _fill_days(days)
    if len(series) > 2 * width:  # very long spans: one column per week
        weekly: dict[date, int] = {}
        for day, n in series:
            monday = day - timedelta(days=day.weekday())
            weekly[monday] = weekly.get(monday, 0) + n
        series = sorted(weekly.items())
    left, bottom, top_pad = 40, 24, 8
    plot_w, plot_h = width - left - 8, height - bottom - top_pad
    peak = max(n for _, n in series) or 1
    step = plot_w / len(series)
    axis_y = top_pad + plot_h
    parts = [
        _open_svg(width, height, title),
        f'<line x1="{left}" y1="{axis_y}" x2="{width - 8}" y2="{axis_y}" stroke="{MUTED}"/>',
        f'<text x="{left - 4}" y="{top_pad + 10}" text-anchor="end" fill="{MUTED}">{peak}</text>',
        f'<text x="{left - 4}" y="{top_pad + plot_h}" text-anchor="end" fill="{MUTED}">0</text>',
    ]
    for n, (day, value) in enumerate(series):
        if not value:
            continue
        h = max(1.0, plot_h * value / peak)
        x = left + n * step
        parts.append(
            f'<rect x="{x:.1f}" y="{top_pad + plot_h - h:.1f}" width="{max(step - 1, 1):.1f}" '
            f'height="{h:.1f}" fill="{BAR}"><title>{day.isoformat()}: {value}</title></rect>'
        )
    for day, anchor, x in (
        (series[0][0], "start", left),
        (series[-1][0], "end", width - 8),
    ):
        parts.append(
            f'<text x="{x}" y="{height - 6}" text-anchor="{anchor}" fill="{MUTED}">'
            f"{day.isoformat()}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
