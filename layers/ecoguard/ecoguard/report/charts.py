"""Inline SVG charts: no plotting library, no script, readable offline. Each chart carries a ``<title>``.

The palette is Okabe and Ito's, chosen to stay distinct to readers with colour-vision deficiencies;
``tests/unit/test_report_palette.py`` checks it under simulated deuteranopia and protanopia.
"""

from __future__ import annotations

import html

from ecoguard.report.ledger import Week
from ecoguard.report.numbers import quantity

PALETTE = {"kg_co2e": "#0072B2", "usd": "#D55E00"}  # Okabe-Ito blue and vermillion
INK = "#222222"
GRID = "#767676"
WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 640, 220, 120, 40, 30


def week_bars(weeks: list[Week], key: str, title: str) -> str:
    """One bar per week for ``key`` (kg_co2e or usd), scaled to the largest week, in a responsive SVG."""
    values = [w.kg_co2e if key == "kg_co2e" else w.usd for w in weeks]
    peak = max([*values, 0.0])
    plot_w, plot_h = WIDTH - LEFT - 10, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(weeks), 1)
    colour = PALETTE[key]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet" role="img" aria-labelledby="t-{key}" class="chart">',
        f'<title id="t-{key}">{html.escape(title)}</title>',
        f'<text x="0" y="16" font-size="14" font-weight="bold" fill="{INK}">{html.escape(title)}</text>',
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - 10}" y2="{TOP + plot_h}" stroke="{GRID}"/>',
        f'<text x="{LEFT - 6}" y="{TOP + 10}" font-size="11" text-anchor="end" fill="{INK}">'
        f"{html.escape(quantity(peak, key))}</text>",
        f'<text x="{LEFT - 6}" y="{TOP + plot_h}" font-size="11" text-anchor="end" fill="{INK}">0</text>',
    ]
    for i, (week, value) in enumerate(zip(weeks, values, strict=True)):
        height = 0.0 if peak <= 0 else value / peak * plot_h
        x = LEFT + i * slot + slot * 0.15
        label = f"week from {week.start:%Y-%m-%d}: {quantity(value, key)}"
        parts.append(
            f'<rect x="{x:.1f}" y="{TOP + plot_h - height:.1f}" width="{slot * 0.7:.1f}" height="{height:.1f}" '
            f'fill="{colour}"><title>{html.escape(label)}</title></rect>'
        )
        if i % 2 == 1 or len(weeks) <= 6:
            parts.append(
                f'<text x="{x + slot * 0.35:.1f}" y="{HEIGHT - BOTTOM + 16}" font-size="11" text-anchor="middle" '
                f'fill="{INK}">{week.start:%m-%d}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
