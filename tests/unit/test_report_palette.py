"""The report's chart colours stay apart for colour-blind readers and stand out from the page.

Colour-vision deficiencies are simulated with the matrices of Machado, Oliveira and Fernandes (2009,
"A physiologically-based model for simulation of color vision deficiency", severity 1.0) on linear
sRGB; distance is CIE76 delta E in CIELAB (D65). Contrast is WCAG 2's ratio (1.4.11: 3:1 for graphics).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from ecoguard.report import build_report, render_html
from ecoguard.report.charts import PALETTE

Matrix = tuple[tuple[float, float, float], tuple[float, float, float], tuple[float, float, float]]
SIMULATIONS: dict[str, Matrix] = {
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216), (-0.003882, -0.048116, 1.051998)),
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413), (-0.011820, 0.042940, 0.968881)),
    "tritanopia": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602), (0.004733, 0.691367, 0.303900)),
}
MIN_DELTA_E = 20.0  # well past "different at a glance" (about 10), for bars side by side
WHITE = "#ffffff"


def linear(hex_colour: str) -> tuple[float, float, float]:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return r, g, b


def simulate(rgb: tuple[float, float, float], matrix: Matrix) -> tuple[float, float, float]:
    r, g, b = (min(1.0, max(0.0, row[0] * rgb[0] + row[1] * rgb[1] + row[2] * rgb[2])) for row in matrix)
    return r, g, b


def lab(rgb: tuple[float, float, float]) -> tuple[float, float, float]:
    r, g, b = rgb
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > (6 / 29) ** 3 else t / (3 * (6 / 29) ** 2) + 4 / 29

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def delta_e(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    la, lb = lab(a), lab(b)
    return float(sum((p - q) ** 2 for p, q in zip(la, lb, strict=True)) ** 0.5)


def contrast(a: str, b: str) -> float:
    def luminance(colour: str) -> float:
        r, g, b = linear(colour)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_simulation_tells_red_from_green_apart_for_normal_vision_only() -> None:
    # The check can fail: pure red and green, told apart by everyone else, merge for a deuteranope.
    red, green = linear("#ff0000"), linear("#00a000")
    assert delta_e(red, green) > 50
    assert delta_e(simulate(red, SIMULATIONS["deuteranopia"]), simulate(green, SIMULATIONS["deuteranopia"])) < 15


@pytest.mark.parametrize("deficiency", sorted(SIMULATIONS))
def test_the_chart_colours_stay_distinct_under_each_colour_vision_deficiency(deficiency: str) -> None:
    kg, usd = (linear(PALETTE[key]) for key in ("kg_co2e", "usd"))
    matrix = SIMULATIONS[deficiency]
    assert delta_e(simulate(kg, matrix), simulate(usd, matrix)) >= MIN_DELTA_E


def test_each_chart_colour_contrasts_with_the_white_page_as_wcag_asks_of_graphics() -> None:
    for colour in PALETTE.values():
        assert contrast(colour, WHITE) >= 3.0, colour


def test_the_charts_use_only_palette_colours() -> None:
    html = render_html(build_report([], datetime(2026, 11, 26, tzinfo=UTC)))
    fills = set(re.findall(r'<rect[^>]*fill="(#[0-9A-Fa-f]{6})"', html))
    assert fills and fills <= set(PALETTE.values())
