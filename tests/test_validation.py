"""clusterkit._validation threshold comparisons: rounding counts as equal, real differences do not."""

from __future__ import annotations

import numpy as np

from clusterkit._validation import above, at_least, at_most


def test_threshold_comparisons():
    assert at_least(sum([0.05] * 10), 0.5) and not at_least(0.4999, 0.5)
    assert at_most(0.1 * 3, 0.3) and not at_most(0.3001, 0.3)
    assert not above(0.1 * 3, 0.3) and above(0.3001, 0.3)
    # relative to the threshold's size: a rounding error on 1e6 is larger than 1e-9 in absolute terms
    assert at_least(1e6 * (1 - 1e-15), 1e6) and not at_least(1e6 - 1, 1e6)
    assert list(at_least(np.array([np.nan, 2.0]), 1.0)) == [False, True]
