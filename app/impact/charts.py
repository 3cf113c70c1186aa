"""SVG charts drawn on the server: no JavaScript, the same markup in the app and in the PDF.

Each function takes plain numbers and already-translated labels and returns an `<svg>` element
(a `Markup` string) that scales to its container's width.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from markupsafe import Markup, escape

INDIGO = "#2b3a67"
MADDER = "#7a2e1f"
OCHRE = "#c58b2a"
MOSS = "#2f6b3a"
WOOL = "#f7f1e5"
LINE = "#ddd3bf"
INK = "#1f2430"
MUTED = "#6b6b6b"
CATEGORY_COLOURS = (MADDER, INDIGO, OCHRE, MOSS)
FONT = "'Noto Sans', 'DejaVu Sans', sans-serif"


def _svg(width: int, height: int, body: list[str], title: str) -> Markup:
    # Safe markup: width and height are ints, the title is escaped here, and every piece of
    # `body` is built by this module from numbers and escaped labels.
    return Markup(  # nosec B704
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}" '
        f'font-family="{FONT}" font-size="11">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def _scale(values: Sequence[Decimal | int]) -> Decimal:
    top = max((Decimal(v) for v in values), default=Decimal(0))
    return top if top > 0 else Decimal(1)


def _num(value: Decimal | float | int) -> str:
    return f"{float(value):.1f}"


def distribution_bars(values: Sequence[Decimal | int], title: str, average_label: str,
                      value_format=str, width: int = 480, height: int = 150) -> Markup:
    """One bar per family, most first, with a dashed line at the average (a flat row is fair)."""
    left, right, top, bottom = 8, 8, 18, 16
    plot_w, plot_h = width - left - right, height - top - bottom
    body = [f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="{LINE}"/>']
    if values:
        scale = _scale(values)
        slot = plot_w / len(values)
        bar_w = max(slot * 0.72, 1.0)
        for index, value in enumerate(values):
            bar_h = float(Decimal(value) / scale) * plot_h
            x = left + index * slot + (slot - bar_w) / 2
            y = top + plot_h - bar_h
            colour = MADDER if Decimal(value) > 0 else LINE
            body.append(f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(bar_w)}" '
                        f'height="{_num(max(bar_h, 0.8))}" fill="{colour}"/>')
            if len(values) <= 16:
                body.append(f'<text x="{_num(x + bar_w / 2)}" y="{top + plot_h + 12}" '
                            f'text-anchor="middle" fill="{MUTED}" font-size="9">{index + 1}</text>')
        average = sum((Decimal(v) for v in values), Decimal(0)) / len(values)
        avg_y = top + plot_h - float(average / scale) * plot_h
        body.append(f'<line x1="{left}" y1="{_num(avg_y)}" x2="{width - right}" y2="{_num(avg_y)}" '
                    f'stroke="{INDIGO}" stroke-dasharray="4 3"/>')
        body.append(f'<line x1="{left}" y1="8" x2="{left + 18}" y2="8" stroke="{INDIGO}" '
                    f'stroke-dasharray="4 3"/>')
        body.append(f'<text x="{left + 22}" y="11" fill="{INDIGO}" font-size="10">'
                    f'{escape(average_label)} {escape(value_format(average))}</text>')
    return _svg(width, height, body, title)


def monthly_bars(months: Sequence, values: Sequence[Decimal | int], title: str,
                 previous: Sequence[Decimal | int] | None = None, value_format=str,
                 label_format=str, width: int = 520, height: int = 190) -> Markup:
    """Bars month by month; optional thin bars for the same month a year earlier."""
    labels = [label_format(month) for month in months]
    left, right, top, bottom = 8, 8, 20, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    scale = _scale([*values, *(previous or [])])
    body = [f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="{LINE}"/>']
    slot = plot_w / max(len(values), 1)
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        x0 = left + index * slot
        bar_w = slot * (0.46 if previous is not None else 0.64)
        if previous is not None:
            prev_h = float(Decimal(previous[index]) / scale) * plot_h
            body.append(f'<rect x="{_num(x0 + slot * 0.12)}" y="{_num(top + plot_h - prev_h)}" '
                        f'width="{_num(slot * 0.3)}" height="{_num(max(prev_h, 0.8))}" fill="{LINE}"/>')
            bar_x = x0 + slot * 0.42
        else:
            bar_x = x0 + (slot - bar_w) / 2
        bar_h = float(Decimal(value) / scale) * plot_h
        body.append(f'<rect x="{_num(bar_x)}" y="{_num(top + plot_h - bar_h)}" width="{_num(bar_w)}" '
                    f'height="{_num(max(bar_h, 0.8))}" fill="{INDIGO}"/>')
        if len(values) <= 12:
            body.append(f'<text x="{_num(bar_x + bar_w / 2)}" y="{_num(top + plot_h - bar_h - 4)}" '
                        f'text-anchor="middle" fill="{INK}" font-size="9">{escape(value_format(value))}</text>')
        body.append(f'<text x="{_num(x0 + slot / 2)}" y="{top + plot_h + 14}" text-anchor="middle" '
                    f'fill="{MUTED}" font-size="10">{escape(label)}</text>')
    return _svg(width, height, body, title)


def category_bars(labels: Sequence[str], values: Sequence[Decimal], title: str,
                  value_format=str, width: int = 520) -> Markup:
    """Horizontal bars, one per income category, with the amount at the end."""
    row, label_w, value_w = 26, 170, 110
    height = row * len(values) + 8
    scale = _scale(values)
    body = []
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = 4 + index * row
        bar_w = float(Decimal(value) / scale) * (width - label_w - value_w)
        colour = CATEGORY_COLOURS[index % len(CATEGORY_COLOURS)]
        body.append(f'<text x="0" y="{y + 15}" fill="{INK}">{escape(label)}</text>')
        body.append(f'<rect x="{label_w}" y="{y + 3}" width="{_num(max(bar_w, 0.8))}" height="16" '
                    f'fill="{colour}"/>')
        body.append(f'<text x="{_num(label_w + max(bar_w, 0.8) + 6)}" y="{y + 15}" fill="{INK}">'
                    f'{escape(value_format(value))}</text>')
    return _svg(width, height, body, title)


def share_bar(share: Decimal | None, title: str, part_label: str, rest_label: str,
              width: int = 520, height: int = 44) -> Markup:
    """One bar split in two: the part of the trip price paid in the valley, and the rest."""
    body = [f'<rect x="0" y="4" width="{width}" height="18" fill="{WOOL}" stroke="{LINE}"/>']
    if share is not None:
        part = float(min(max(share, Decimal(0)), Decimal(1))) * width
        body.append(f'<rect x="0" y="4" width="{_num(part)}" height="18" fill="{MADDER}"/>')
    body.append(f'<text x="0" y="38" fill="{MADDER}" font-size="10">{escape(part_label)}</text>')
    body.append(f'<text x="{width}" y="38" text-anchor="end" fill="{MUTED}" font-size="10">'
                f'{escape(rest_label)}</text>')
    return _svg(width, height, body, title)
