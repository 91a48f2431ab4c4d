"""decimals.python_round gives exactly the floats Python's round gives, ties and edges included."""

from __future__ import annotations

import numpy as np
import pytest

from orgpulse.analysis.decimals import python_round, rounded_list


def same(got: np.ndarray, expected: list[float]) -> bool:
    want = np.array(expected, dtype=float)
    equal = (got == want) | (np.isnan(got) & np.isnan(want))
    return bool((equal & (np.signbit(got) == np.signbit(want))).all())


@pytest.mark.parametrize("digits", [0, 2, 4, 6])
def test_python_round_matches_round(digits: int) -> None:
    rng = np.random.default_rng(digits)
    n = 50_000
    values = np.concatenate(
        [
            rng.random(n) * 10.0 ** rng.integers(-6, 16, n),
            (rng.integers(-(10**7), 10**7, n) + 0.5) / 10**digits,  # halves, as near as floats get
            np.nextafter((rng.integers(0, 10**8, n) + 0.5) / 10**digits, rng.choice([-np.inf, np.inf], n)),
            rng.integers(0, 10**6, n) / 20000.0,  # exact binary ties (0.03125 ...)
            [np.nan, np.inf, -np.inf, 0.0, -0.0, -1e-9, 1e300, 2.0**52 + 0.5, 2.0**53 + 2],
        ]
    )
    assert same(python_round(values, digits), [round(float(v), digits) for v in values])


def test_rounded_list_gives_none_for_missing() -> None:
    assert rounded_list(np.array([0.123456, np.nan, 2.5]), 4) == [0.1235, None, 2.5]
