"""Percentages for display, computed from integers so that rounding is exact.

Floating point cannot be trusted for this: 540,771 of 813,350 TPS must show as 66.48688
(to five decimals, as Situng 2019 did), rounded half up, whatever the platform.
"""

from __future__ import annotations

from decimal import Decimal


def percent(part: int, whole: int, places: int = 2) -> Decimal:
    """part / whole * 100, rounded half up to `places` decimals; 0 when whole is 0."""
    if part < 0 or whole < 0:
        raise ValueError("percent of negative numbers")
    if whole == 0:
        return Decimal(0).scaleb(-places)
    scaled = part * 100 * 10**places
    rounded = (2 * scaled + whole) // (2 * whole)
    return Decimal(rounded).scaleb(-places)


def format_id(value: Decimal | int) -> str:
    """Indonesian number format: 540.771 and 66,48688."""
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    sign = "-" if value < 0 else ""
    text = f"{abs(value):f}"
    whole, _, frac = text.partition(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    return f"{sign}{grouped},{frac}" if frac else f"{sign}{grouped}"
