"""Small-cell suppression: outcome figures based on fewer than SMALL_CELL patients are "<5"."""

from __future__ import annotations

from django.utils import formats
from django.utils.translation import ngettext

SMALL_CELL = 5
SUPPRESSED = "<5"


# --- Small-cell suppression ---------------------------------------------------------------------


def count_cell(count: int) -> str:
    """A count in an outcome table: "<5" below SMALL_CELL."""
    return SUPPRESSED if count < SMALL_CELL else formats.number_format(count)


def share_cell(count: int, total: int) -> str:
    """ "12 (60%)", or "<5" when the count or the number it is a share of is below SMALL_CELL.

    The share is hidden with a small count too, or the count could be worked back from it.
    """
    if count < SMALL_CELL or total < SMALL_CELL:
        return SUPPRESSED
    return f"{formats.number_format(count)} ({round(100 * count / total)}%)"


def _decimal(value: float) -> str:
    return formats.number_format(round(value, 1), decimal_pos=1)


def days_cell(median: float | None, n: int) -> str:
    if median is None or n < SMALL_CELL:
        return SUPPRESSED
    whole = median == int(median)
    shown = formats.number_format(int(median)) if whole else _decimal(median)
    return ngettext("%(days)s day", "%(days)s days", int(median) if whole else 2) % {"days": shown}


def change_cell(mean: float | None, n: int) -> str:
    if mean is None or n < SMALL_CELL:
        return SUPPRESSED
    text = _decimal(mean)
    return f"+{text}" if mean > 0 else text


def weighted_median(counts: dict[float, int]) -> float | None:
    """The median of values given as {value: how often}; the mean of the middle two if even."""
    n = sum(counts.values())
    if n == 0:
        return None
    ordered = sorted(counts.items())

    def nth(index: int) -> float:
        seen = 0
        for value, count in ordered:
            seen += count
            if index < seen:
                return value
        raise AssertionError("unreachable")  # pragma: no cover

    if n % 2:
        return nth(n // 2)
    return (nth(n // 2 - 1) + nth(n // 2)) / 2
