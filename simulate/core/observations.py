"""What was observed of a quantity, and how likely each draw makes it.

An observation is a measurement of one quantity of a scenario (an assumption, a derived
quantity or a model output) with its uncertainty: a 90 % interval read as a normal or a
lognormal measurement error, or a value with a standard error. Conditioning the prior draws
on it weights each draw by the likelihood of what was measured given the draw's value
(:mod:`simulate.analysis.calibration`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

NORMAL, LOGNORMAL = "normal", "lognormal"
Z90 = 1.6448536269514722  # the standard normal's 95th percentile: a 90 % interval is ±Z90 sd


@dataclass(frozen=True)
class Observation:
    """One measurement of ``name``, in that quantity's unit.

    ``kind`` is ``"normal"`` (``center`` is the measured value, ``spread`` the standard
    deviation of its error) or ``"lognormal"`` (``center`` the measured value, ``spread`` the
    standard deviation of the error of its logarithm).
    """

    name: str
    kind: str
    center: float
    spread: float
    declaration: str  # as written: "normal = [0.8, 0.96]", "0.88 ± 10 %"
    source: str = ""
    file: str = ""  # the priors file, or "--observe"

    def log_likelihood(self, values: np.ndarray) -> np.ndarray:
        """log p(measured | quantity = value) for each value, up to a constant; ``-inf``
        where the value cannot have produced the measurement (not finite, or not positive
        for a lognormal error)."""
        x = np.asarray(values, dtype=float)
        with np.errstate(all="ignore"):
            if self.kind == LOGNORMAL:
                z = (np.log(x) - math.log(self.center)) / self.spread
                z = np.where(x > 0, z, np.inf)
            else:
                z = (x - self.center) / self.spread
        result = -0.5 * np.square(z)
        return np.where(np.isfinite(result), result, -np.inf)

    def log_density(self, values: np.ndarray) -> np.ndarray:
        """log p(measured | quantity = value) with its normalising constant: the pointwise
        log-likelihood arviz's ``log_likelihood`` group holds (``loo``, ``waic``). The
        density is of the measured value (for a lognormal error, of its logarithm's normal
        density divided by the measured value)."""
        constant = -math.log(self.spread * math.sqrt(2.0 * math.pi))
        if self.kind == LOGNORMAL:
            constant -= math.log(self.center)
        return self.log_likelihood(values) + constant

    def interval(self) -> tuple[float, float]:
        """The measurement's 90 % interval, in the quantity's unit."""
        if self.kind == LOGNORMAL:
            return (
                self.center * math.exp(-Z90 * self.spread),
                self.center * math.exp(Z90 * self.spread),
            )
        return self.center - Z90 * self.spread, self.center + Z90 * self.spread


def from_interval(
    name: str, kind: str, lo: float, hi: float, declaration: str, source: str = "", file: str = ""
) -> Observation:
    """A measurement stated as a 90 % interval [lo, hi] (``lo < hi``; ``0 < lo`` for a
    lognormal error): the center is the midpoint (the geometric one for a lognormal)."""
    if kind == LOGNORMAL:
        center = math.sqrt(lo * hi)
        spread = math.log(hi / lo) / (2.0 * Z90)
    else:
        center = (lo + hi) / 2.0
        spread = (hi - lo) / (2.0 * Z90)
    return Observation(name, kind, center, spread, declaration, source, file)
