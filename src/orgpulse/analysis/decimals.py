"""Python's own `round(value, digits)` over a whole array, in numpy: the same floats, bit for bit.

`round(x, n)` rounds the exact binary value of x to n decimals (half to even) and returns the float
nearest that decimal. With p = x * 10**n computed in floating point, `rint(p) / 10**n` is that same
float whenever rint(p) is the decimal's integer: the division of two exact floats is correctly
rounded. It is, unless p lies within its own rounding error of a half (or is too large to carry a
fraction, or is not finite): those few values are rounded by Python. A row of findings has
hundreds of thousands of values to round, at about a microsecond each by `round`.
"""

from __future__ import annotations

import numpy as np

_EXACT = 2.0**52  # from here on a float has no fraction: p is not x * 10**n to the unit
_SLACK = 2.0**-50  # p's relative error is at most 2**-53: four times that, to be safe


def python_round(values: np.ndarray, digits: int) -> np.ndarray:
    """`[round(v, digits) for v in values]` as a float array (NaN stays NaN)."""
    values = np.asarray(values, dtype=float)
    scale = 10.0**digits
    scaled = values * scale
    with np.errstate(invalid="ignore"):
        half = np.abs(scaled - np.floor(scaled) - 0.5)
        near = ~(half > _SLACK * np.maximum(np.abs(scaled), 1.0)) | ~(np.abs(scaled) < _EXACT)
    result: np.ndarray = np.rint(scaled) / scale
    for at in np.flatnonzero(near).tolist():
        result[at] = round(float(values[at]), digits)
    return result


def rounded_list(values: np.ndarray, digits: int) -> list[float | None]:
    """`python_round` as a list of Python floats, None where a value is missing (NaN)."""
    result = python_round(values, digits)
    listed: list[float | None] = result.tolist()
    if np.isnan(result).any():
        listed = [None if v != v else v for v in listed]
    return listed
