"""Readable numbers: USD to the cent, kWh and kgCO2e to three significant figures, the unit always shown."""

from __future__ import annotations

import math

UNITS = {"kwh": "kWh", "kg_co2e": "kgCO2e", "usd": "USD"}


def usd(value: float | None) -> str:
    if value is None:
        return "unknown USD"
    return f"{value:,.2f} USD"


def significant(value: float, figures: int = 3) -> str:
    """``value`` to ``figures`` significant figures, with thousands separators and no exponent."""
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else str(value)
    rounded = float(f"{value:.{figures}g}")
    decimals = max(0, figures - 1 - math.floor(math.log10(abs(rounded))))
    return f"{rounded:,.{decimals}f}"


def quantity(value: float | None, key: str) -> str:
    """One figure with its unit: USD to the cent, energy and carbon to three significant figures."""
    if key == "usd":
        return usd(value)
    unit = UNITS[key]
    return f"unknown {unit}" if value is None else f"{significant(value)} {unit}"
