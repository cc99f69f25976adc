"""Inline SVG charts: no plotting library, no script, readable offline. Each chart carries a ``<title>``.

The palette is Okabe and Ito's, chosen to stay distinct to readers with colour-vision deficiencies;
``tests/unit/test_report_palette.py`` checks it under simulated deuteranopia and protanopia.
"""

from __future__ import annotations

import html
import math

from ecoguard.report.ledger import Week
from ecoguard.report.numbers import quantity

PALETTE = {"kg_co2e": "#0072B2", "usd": "#D55E00"}  # Okabe-Ito blue and vermillion
INK = "#222222"
GRID = "#767676"
WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 640, 240, 70, 50, 34
RIGHT = 40  # room for the last week's date, centred under its bar


def ticks(peak: float, count: int = 4) -> list[float]:
    """Round tick values from 0 to at least ``peak`` (steps of 1, 2, 2.5 or 5 x a power of ten)."""
    if peak <= 0:
        return [0.0]
    raw = peak / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    return [step * i for i in range(math.ceil(peak / step - 1e-9) + 1)]


def axis_unit(peak: float, key: str) -> tuple[float, str]:
    """(divisor, unit) that keeps the axis labels readable: g, kg or t CO2e; USD as is."""
    if key == "usd":
        return 1.0, "USD"
    for divisor, unit in ((1000.0, "tCO2e"), (1.0, "kgCO2e"), (0.001, "gCO2e")):
        if peak >= divisor:
            return divisor, unit
    return 0.001, "gCO2e"


def week_bars(weeks: list[Week], key: str, title: str) -> str:
    """One bar per week for ``key`` (kg_co2e or usd), on a labelled axis with round ticks, in a responsive SVG.
    The x axis names each week's first day with its year."""
    values = [w.kg_co2e if key == "kg_co2e" else w.usd for w in weeks]
    peak = max([*values, 0.0])
    divisor, unit = axis_unit(peak, key)
    marks = ticks(peak / divisor)
    top = marks[-1] * divisor if marks[-1] > 0 else 1.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(weeks), 1)
    colour = PALETTE[key]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet" role="img" aria-labelledby="t-{key}" class="chart">',
        f'<title id="t-{key}">{html.escape(title)}</title>',
        f'<text x="0" y="16" font-size="14" font-weight="bold" fill="{INK}">{html.escape(title)} ({unit})</text>',
    ]
    for mark in marks:
        y = TOP + plot_h - mark * divisor / top * plot_h
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="{GRID}" '
                     f'stroke-width="{1 if mark == 0 else 0.5}"/>')  # fmt: skip
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" font-size="12" text-anchor="end" fill="{INK}">'
            f"{html.escape(f'{mark:,.6g}')}</text>"
        )
    step = max(1, math.ceil(len(weeks) / 4))  # about four dated labels, each "2026-11-02"
    for i, (week, value) in enumerate(zip(weeks, values, strict=True)):
        height = 0.0 if value <= 0 else value / top * plot_h
        x = LEFT + i * slot + slot * 0.15
        label = f"week from {week.start:%Y-%m-%d}: {quantity(value, key)}"
        parts.append(
            f'<rect x="{x:.1f}" y="{TOP + plot_h - height:.1f}" width="{slot * 0.7:.1f}" height="{height:.1f}" '
            f'fill="{colour}"><title>{html.escape(label)}</title></rect>'
        )
        if (len(weeks) - 1 - i) % step == 0:
            parts.append(
                f'<text x="{x + slot * 0.35:.1f}" y="{HEIGHT - BOTTOM + 18}" font-size="12" text-anchor="middle" '
                f'fill="{INK}">{week.start:%Y-%m-%d}</text>'
            )
    parts.append(
        f'<text x="{LEFT + plot_w / 2:.0f}" y="{HEIGHT - 6}" font-size="12" text-anchor="middle" fill="{INK}">'
        "week starting</text>"
    )
    parts.append("</svg>")
    return "".join(parts)
