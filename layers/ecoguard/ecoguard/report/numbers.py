"""Readable numbers: units that scale (g, kg, t CO2e; Wh, kWh, MWh), three significant figures, no cents on an
estimate, and "unknown" where a figure is unknown (never 0: 0 is only a true zero).

The CSV and JSON keep full precision; these are the words a reader sees (the page, the CLI, the notification).
"""

from __future__ import annotations

import math

UNITS = {"kwh": "kWh", "kg_co2e": "kgCO2e", "usd": "USD"}
UNKNOWN = "unknown"

# (factor from the base unit, unit), largest first; the base unit is kWh or kg.
_SCALES = {
    "kwh": ((1000.0, "MWh"), (1.0, "kWh"), (0.001, "Wh")),
    "kg_co2e": ((1000.0, "tCO2e"), (1.0, "kgCO2e"), (0.001, "gCO2e")),
}
# Below a tenth of the smallest unit a figure is shown as "< 0.1 Wh" or "< 0.1 gCO2e", not as a long decimal.
_FLOOR = 0.1


def significant(value: float, figures: int = 3) -> str:
    """``value`` to ``figures`` significant figures, with thousands separators and no exponent."""
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else str(value)
    rounded = float(f"{value:.{figures}g}")
    decimals = max(0, figures - 1 - math.floor(math.log10(abs(rounded))))
    return f"{rounded:,.{decimals}f}"


def usd(value: float | None) -> str:
    """An estimated amount: whole dollars at most three significant figures; under one dollar, "< 1 USD"."""
    if value is None:
        return f"{UNKNOWN} USD"
    if value == 0:
        return "0 USD"
    if abs(value) < 1:
        return "< 1 USD" if value > 0 else "> -1 USD"
    rounded = float(f"{value:.3g}")
    return f"{rounded:,.0f} USD"


def cents(value: float | None) -> str:
    """A measured amount (from the bill), to the cent."""
    return f"{UNKNOWN} USD" if value is None else f"{value:,.2f} USD"


def scaled(value: float, key: str) -> str:
    """An energy or carbon figure in the unit that keeps it readable."""
    if value == 0:
        return f"0 {UNITS[key]}"
    for factor, unit in _SCALES[key]:
        if abs(value) >= factor:
            return f"{significant(value / factor)} {unit}"
    factor, unit = _SCALES[key][-1]
    if abs(value) / factor < _FLOOR:
        return f"< {_FLOOR:g} {unit}"
    return f"{significant(value / factor)} {unit}"


def quantity(value: float | None, key: str) -> str:
    """One figure with its unit; None (unknown) is "unknown <unit>", never 0."""
    if key == "usd":
        return usd(value)
    if value is None:
        return f"{UNKNOWN} {UNITS[key]}"
    return scaled(value, key)


def parse(text: str) -> float | None:
    """The value a ``quantity`` text states, in the base unit (kWh, kg, USD); None for unknown or a bound."""
    words = text.replace(",", "").split()
    if len(words) != 2 or words[0] in (UNKNOWN, "<", ">"):
        return None
    factors = {unit: factor for scales in _SCALES.values() for factor, unit in scales}
    factors["USD"] = 1.0
    return float(words[0]) * factors[words[1]]
