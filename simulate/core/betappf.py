"""Fast, accurate inverse CDF of the beta distribution.

Why this exists: Latin hypercube and Sobol designs push uniforms through each assumption's
inverse CDF, and for beta and PERT assumptions that was ``scipy.special.betaincinv`` -- a
Boost root finder costing about a microsecond per value. With millions of values per
assumption those calls dominated the run time of Sobol sensitivity runs. ``BetaPPF`` does
the expensive work once per distribution (5-15 ms) and then maps each uniform with a
handful of vectorised numpy operations, 15-80 times faster for general shapes,
while staying within ~1e-15 absolute, and ~1e-13 relative for small x, of the exact
quantile -- closer than ``betaincinv`` itself in places (see ``_polish``).

How: write ``t = logit(u)`` and ``y = logit(x)``. The map ``t -> y`` is smooth on the whole
real line and asymptotically linear in both tails (slope ``1/a`` on the left, ``1/b`` on the
right), and an absolute error in ``y`` is a relative error in both ``x`` and ``1 - x``. It is
approximated by piecewise polynomials of degree ``_DEGREE`` interpolating exact quantiles at
Chebyshev-Lobatto points, on cells that are uniform within each octave of ``|t| + 1``: fine
near the median, wide far out in the tails. A value's cell and its position in the cell are
read straight off the bits of the float ``|t| + 1`` (exponent and leading mantissa bits),
so there is no search. The exact quantiles come from ``betaincinv`` (or its mirror
``1 - betaincinv(b, a, 1 - u)``, whichever is better conditioned) polished by Newton steps
on ``betainc``. Every cell is checked against exact quantiles between its interpolation
points; if some miss the tolerance the table is rebuilt with finer cells, and cells that
still miss it (which does not happen for a, b in [0.3, 200]) are served by ``betaincinv``.
Cell ends are nudged so that the result is non-decreasing in u across cell boundaries too.

Beyond the table: where ``x`` is tiny (``< ~1e-17``) the leading term of the series
``I_x(a, b) = x**a / (a B(a, b)) (1 + O(x))`` is exact to double precision and is inverted
in closed form; u below ~1e-289 without such a tail (large ``a``) goes to ``betaincinv``.
On the right, once ``1 - x < exp(-45)``, x is 1 in double precision.
``u == 0 -> 0``, ``u == 1 -> 1``, NaN or ``u`` outside ``[0, 1]`` -> NaN. The shapes
``a == 1``, ``b == 1`` and ``a == b == 0.5`` have closed forms and use them.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special

__all__ = ["BetaPPF"]

_DEGREE = 7  # degree of the polynomial in each cell
_CELL_BITS = (4, 5, 6)  # 2**bits cells per octave of v = |logit(u)| + 1; finer if needed
_V_OFFSET = 1.0  # a power of two, so that the cells of v = |t| + 1 start exactly at t = 0
_V_OFFSET_BITS = int(np.float64(_V_OFFSET).view(np.int64))
# logit of the largest double below 1: no u < 1 has a larger logit.
_T_MAX = math.log(2.0**53 - 1.0)
# Below this logit u is subnormal, and expit() cannot give accurate interpolation points.
_T_SUBNORMAL = math.log(float(np.finfo(np.float64).tiny))
# Beyond logit(x) = _Y_ONE, x rounds to 1.
_Y_ONE = 45.0
# A cell is accepted when |y_poly - y_exact| <= _TOL_ABS + _TOL_REL * |y|, y = logit(x).
# An error e in y is an error of at most e/4 in x, and a relative error e in x and 1 - x.
_TOL_ABS = 1e-13
_TOL_REL = 1e-14
_CHUNK = 1 << 14  # values per pass, so that the temporaries stay in cache


def _cell_constants() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Interpolation points in a cell (position r in [0, 1]), checking points between them,
    and the matrices taking values at the points to monomial coefficients in r."""
    nodes = 0.5 - 0.5 * np.cos(np.pi * np.arange(_DEGREE + 1) / _DEGREE)
    nodes[0], nodes[-1] = 0.0, 1.0
    checks = np.array([0.5 * (nodes[0] + nodes[1]), 0.5, 0.5 * (nodes[-2] + nodes[-1])])
    # Fit in the centred coordinate rho = r - 1/2 (better conditioned), then shift to r.
    fit_rho = np.linalg.inv(np.vander(nodes - 0.5, _DEGREE + 1, increasing=True))
    k = np.arange(_DEGREE + 1)
    shift = np.zeros((_DEGREE + 1, _DEGREE + 1))
    for j in k:
        for i in k[j:]:
            shift[j, i] = math.comb(int(i), int(j)) * (-0.5) ** int(i - j)
    return nodes, checks, fit_rho, shift


_NODES, _CHECKS, _FIT_RHO, _SHIFT_TO_R = _cell_constants()


class _Grid:
    """Cells uniform within each octave of v = |t| + 1, 2**bits cells per octave.

    The bits of the float v, shifted right, are the cell's key (exponent and leading
    mantissa bits); the remaining mantissa bits are the position r in [0, 1) in the cell.
    """

    def __init__(self, bits: int) -> None:
        self.shift = 52 - bits
        self.mask = (1 << self.shift) - 1
        self.scale = 2.0**-self.shift
        self.r_max = 1.0 - self.scale  # largest position in a cell
        self.key0 = _V_OFFSET_BITS >> self.shift

    def cells_to(self, v: float) -> int:
        """Number of cells from v = 1 up to and including the one that holds v."""
        return (int(np.float64(v).view(np.int64)) >> self.shift) - self.key0 + 1

    def start(self, index: np.ndarray | int) -> np.ndarray:
        """Lower edges in v of the cells with the given indices."""
        key = np.asarray(index, dtype=np.int64) + self.key0
        return (key << self.shift).view(np.float64)


def _horner(coef: np.ndarray, r: np.ndarray | float) -> np.ndarray:
    """Per-cell polynomials, coef[..., j] multiplying r**j, rounded exactly as at run time."""
    y = coef[..., -1]
    for j in range(coef.shape[-1] - 2, -1, -1):
        y = y * r + coef[..., j]
    return y


def _polish(a: float, b: float, log_p: np.ndarray, x: np.ndarray) -> np.ndarray:
    """log of the beta(a, b) quantile at probability exp(log_p), starting from x.

    Newton steps on ``log I_x(a, b) = log_p`` in log x: the forward function is more
    reliable than ``betaincinv``, which is off by up to half for some tails (a=4, b=0.3 near
    x=2**-56 returns 2**-56 for a range of u) and by ~5e-14 in places for large a. The
    equation is nearly linear in the tails, so this converges at once.
    """
    log_beta = float(special.betaln(a, b))
    s = np.log(x)
    # Where I_x underflows (betaincinv can be that far off), restart from the left-tail
    # asymptote x**a = a B(a, b) p.
    lost = ~(special.betainc(a, b, x) > 0.0)
    s[lost] = np.minimum((log_p[lost] + math.log(a) + log_beta) / a, -1e-3)
    active = np.flatnonzero(np.isfinite(s))
    for _ in range(30):
        sa = s[active]
        xs = np.exp(sa)
        i = special.betainc(a, b, xs)
        log_xf = special.xlogy(a, xs) + special.xlog1py(b - 1.0, -xs) - log_beta  # log(x f)
        step = np.clip((np.log(i) - log_p[active]) * i / np.exp(log_xf), -8.0, 8.0)
        new = sa - step
        ok = np.isfinite(new) & (new < 0.0)
        s[active[ok]] = new[ok]
        active = active[ok & (np.abs(step) > 1e-14)]
        if active.size == 0:
            break
    return s


def _exact_logit_x(a: float, b: float, t: np.ndarray) -> np.ndarray:
    """logit of the beta(a, b) quantile at u = expit(t), accurate in both tails.

    ``betaincinv(a, b, u)`` is accurate for x but not for a small 1 - x, and its input u
    carries a rounding error relative to u, not to 1 - u. The mirrored ``1 - betaincinv(b,
    a, 1 - u)`` has the opposite strengths. Per point the one with the smaller propagated
    error is used -- the mirror exactly when ``f(x) (2x - 1) > 1 - 2u``, f the density --
    and polished by Newton steps on ``betainc``.
    """
    shape = np.shape(t)
    t = np.ravel(t)
    u = special.expit(t)
    x = special.betaincinv(a, b, u)
    mirror = np.zeros(t.shape, dtype=bool)
    maybe = (x > 0.5) | (t > 0.0)  # (a NaN x, which betaincinv can give, is polished)
    if maybe.any():
        xm, um = x[maybe], u[maybe]
        log_f = special.xlogy(a - 1.0, xm) + special.xlog1py(b - 1.0, -xm) - special.betaln(a, b)
        mirror[maybe] = ~(np.exp(log_f) * (2.0 * xm - 1.0) <= 1.0 - 2.0 * um)
    y = np.empty(t.shape)
    low = ~mirror
    if low.any():
        log_x = _polish(a, b, special.log_expit(t[low]), x[low])
        y[low] = log_x - np.log1p(-np.exp(log_x))
    if mirror.any():
        tm = -t[mirror]
        w = special.betaincinv(b, a, special.expit(tm))
        log_w = _polish(b, a, special.log_expit(tm), w)
        y[mirror] = np.log1p(-np.exp(log_w)) - log_w
    return y.reshape(shape)


class _Table:
    """Piecewise-polynomial logit(x) as a function of logit(u), for a general beta(a, b).

    Rows 0..n-1 of the table are the cells of t >= 0 (t = v - 1), rows n..2n-1 those of
    t < 0 (t = 1 - v); in both, position r = 0 is the cell's end nearer to t = 0. The first
    n_right (n_left) rows are in use; beyond them the left tail has its asymptote and on the
    right x rounds to 1.
    """

    def __init__(self, a: float, b: float) -> None:
        self.a = a
        self.b = b
        self.fallback_count = 0
        log_beta = float(special.betaln(a, b))
        # Left-tail asymptote: for x < x_tail, log u = a log x - log(a B(a, b)) to double
        # precision (the next term is a relative a (1 - b) / (a + 1) * x).
        self.log_norm = math.log(a) + log_beta
        c1 = abs(a * (1.0 - b) / (a + 1.0))
        x_tail = 1e-17 * min(1.0, a) / max(1.0, c1)
        log_u = a * math.log(x_tail) - self.log_norm
        # (for absurdly small a the asymptote holds for, at least, all u below 1/2)
        self.t_tail = log_u - math.log1p(-math.exp(log_u)) if log_u < -math.log(2.0) else 0.0
        # Right tail: from where 1 - x < exp(-_Y_ONE), x rounds to 1 (the same asymptote
        # for 1 - x ~ beta(b, a) places it).
        log_q = -b * _Y_ONE - math.log(b) - log_beta
        t_one = math.log(-math.expm1(log_q)) - log_q if log_q < 0.0 else math.inf
        t_need_right = min(max(t_one, 0.5), _T_MAX)
        # Left side: down past the asymptote's start if that keeps u normal; otherwise to
        # the last whole cell above the subnormal range, and the sliver from there to the
        # asymptote (u below 1e-289 or so) is served by betaincinv.
        t_need_left = min(max(self.t_tail, _T_SUBNORMAL), -1.0)

        best = None
        for bits in _CELL_BITS:
            grid = _Grid(bits)
            n_right = grid.cells_to(_V_OFFSET + t_need_right)
            n_left = grid.cells_to(_V_OFFSET - t_need_left)
            if _V_OFFSET - float(grid.start(n_left)) < _T_SUBNORMAL:
                n_left -= 1
            built = self._build(a, b, grid, n_left, n_right)
            if best is None or built[1].sum() < best[1].sum():
                best = (*built, grid, n_left, n_right)
            if not best[1].any():
                break
        assert best is not None
        coef, bad, ends, grid, n_left, n_right = best
        n = coef.shape[0] // 2
        self.grid = grid
        self.n = n
        self.n_left = n_left
        self.n_right = n_right
        self.coef = [np.ascontiguousarray(coef[:, j]) for j in range(_DEGREE + 1)]
        self.bad = bad
        # Rows the polynomials serve (below v_end the row index is in range).
        self.serve = np.zeros(2 * n, dtype=bool)
        self.serve[:n_right] = True
        self.serve[n : n + n_left] = True
        self.serve &= ~bad
        self.v_end = float(grid.start(n))
        # Bounds for values computed outside the table, to keep the result monotone.
        with np.errstate(invalid="ignore"):
            x_ends = special.expit(ends)
        self.cell_lo = np.fmin(x_ends[:, 0], x_ends[:, 1])
        self.cell_hi = np.fmax(x_ends[:, 0], x_ends[:, 1])
        self.x_lo = float(x_ends[n + n_left - 1, 1])  # x at the left end

    @staticmethod
    def _build(
        a: float, b: float, grid: _Grid, n_left: int, n_right: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Coefficients, failed-check flags and end values (logit x at r = 0, 1) per row."""
        n = max(n_left, n_right)
        start = grid.start(np.arange(n + 1))
        width = np.diff(start)
        coef = np.full((2 * n, _DEGREE + 1), np.nan)
        bad = np.zeros(2 * n, dtype=bool)
        ends = np.full((2 * n, 2), np.nan)
        for row0, count, sign in ((0, n_right, 1.0), (n, n_left, -1.0)):
            rows = slice(row0, row0 + count)
            # Neighbouring cells share their end points; each is computed once.
            v = start[:count, None] + width[:count, None] * _NODES[None, :-1]
            v = np.append(v.ravel(), start[count])
            y = _exact_logit_x(a, b, sign * (v - _V_OFFSET))
            values = np.empty((count, _DEGREE + 1))
            values[:, :-1] = y[:-1].reshape(count, _DEGREE)
            values[:, -1] = y[_DEGREE::_DEGREE]
            ends[rows] = values[:, [0, -1]]
            c = _Table._fit(values, sign, grid.r_max)
            coef[rows] = c
            # Check each cell between its interpolation points.
            v_check = start[:count, None] + width[:count, None] * _CHECKS[None, :]
            y_check = _exact_logit_x(a, b, sign * (v_check - _V_OFFSET))
            with np.errstate(invalid="ignore"):
                err = np.abs(_horner(c[:, None, :], _CHECKS[None, :]) - y_check)
                ok = (err <= _TOL_ABS + _TOL_REL * np.abs(y_check)).all(axis=1)
            bad[rows] = ~(ok & np.isfinite(c).all(axis=1))
        return coef, bad, ends

    @staticmethod
    def _fit(values: np.ndarray, sign: float, r_max: float) -> np.ndarray:
        """Coefficients in r of the interpolating polynomials, monotone across cell ends."""
        with np.errstate(invalid="ignore"):
            # Fit the variation within each cell (no cancellation error of order |y|);
            # the constant term is the exact value at r = 0, reproduced exactly at r = 0.
            c = (values - values[:, :1]) @ _FIT_RHO.T @ _SHIFT_TO_R.T
            c[:, 0] = values[:, 0]
            # At r -> 1 the rounded polynomial must not overshoot the next cell's value at
            # its r = 0 (y increases with r on the right side, decreases on the left), with
            # a margin of a few units in the last place for rounding at r just below 1.
            target = values[:, -1]
            margin = 4.0 * np.spacing(np.abs(target))
            for step in range(64):
                excess = sign * (_horner(c, r_max) - target) + margin
                over = excess > 0.0
                if not over.any():
                    break
                nudge = excess[over] + np.spacing(np.abs(c[over, 1])) * 2.0**step
                c[over, 1] -= sign * nudge
        return c

    def __call__(self, u: np.ndarray, out: np.ndarray) -> None:
        """Write the quantiles of the 1-d float64 array u into out."""
        size = u.shape[0]
        m = min(size, _CHUNK)
        t = np.empty(m)
        v = np.empty(m)
        r = np.empty(m)
        tmp = np.empty(m)
        idx = np.empty(m, dtype=np.int64)
        aux = np.empty(m, dtype=np.int64)
        ok = np.empty(m, dtype=bool)
        ok2 = np.empty(m, dtype=bool)
        coef = self.coef
        shift, mask, scale, key0 = self.grid.shift, self.grid.mask, self.grid.scale, self.grid.key0
        with np.errstate(all="ignore"):
            for lo in range(0, size, _CHUNK):
                hi = min(lo + _CHUNK, size)
                k = hi - lo
                uc, xc = u[lo:hi], out[lo:hi]
                tc, vc, rc, wc = t[:k], v[:k], r[:k], tmp[:k]
                ic, jc, okc, ok2c = idx[:k], aux[:k], ok[:k], ok2[:k]
                # t = logit(u) with a single log, accurate in both tails.
                np.subtract(1.0, uc, out=tc)
                np.divide(uc, tc, out=tc)
                np.log(tc, out=tc)
                # Cell and position from the bits of v = |t| + 1.
                np.abs(tc, out=vc)
                vc += _V_OFFSET
                vbits = vc.view(np.int64)
                np.right_shift(vbits, shift, out=ic)
                ic -= key0
                np.bitwise_and(vbits, mask, out=jc)
                np.multiply(jc, scale, out=rc)
                # t < 0 (sign bit set) -> rows n..2n-1.
                np.right_shift(tc.view(np.int64), 63, out=jc)
                np.bitwise_and(jc, self.n, out=jc)
                ic += jc
                # Horner with per-cell coefficients, then x = expit(y).
                np.take(coef[-1], ic, out=xc, mode="clip")
                for c in coef[-2::-1]:
                    xc *= rc
                    np.take(c, ic, out=wc, mode="clip")
                    xc += wc
                special.expit(xc, out=xc)
                # Values the table does not serve: u in {0, 1}, NaN, far tails, and
                # cells that failed their check.
                np.less(vc, self.v_end, out=okc)  # False for NaN and infinities too
                np.take(self.serve, ic, out=ok2c, mode="clip")
                okc &= ok2c
                if not okc.all():
                    sel = np.flatnonzero(~okc)
                    xc[sel] = self._outside(uc[sel], tc[sel], ic[sel])

    def _outside(self, u: np.ndarray, t: np.ndarray, row: np.ndarray) -> np.ndarray:
        """Quantiles of the (few) values the table does not serve; row as in __call__."""
        n = self.n
        x = np.full(u.shape, np.nan)
        x[u == 0.0] = 0.0
        inside = (u > 0.0) & (u < 1.0)
        # Beyond the right end x rounds to 1 (the table goes to the largest u below 1
        # unless it was cut there).
        x[(u == 1.0) | (inside & (t > 0.0) & (row >= self.n_right))] = 1.0
        below = inside & (t < 0.0) & (row >= n + self.n_left)  # beyond the left end
        tail = below & (t < self.t_tail)
        if tail.any():
            x[tail] = np.exp((np.log(u[tail]) + self.log_norm) / self.a)
        failed = inside & ~below & ~(x == 1.0) & self.bad[np.clip(row, 0, 2 * n - 1)]
        slow = (below & ~tail) | failed
        if slow.any():
            self.fallback_count += int(slow.sum())
            x[slow] = special.betaincinv(self.a, self.b, u[slow])
            rows = row[failed]
            x[failed] = np.fmin(np.fmax(x[failed], self.cell_lo[rows]), self.cell_hi[rows])
        x[below] = np.fmin(x[below], self.x_lo)
        return x


class BetaPPF:
    """Inverse CDF of beta(a, b), prepared once per distribution.

    Agrees with the exact quantile to ~1e-15 absolute and ~1e-13 relative (for small x)
    for every u in [0, 1] (``scipy.special.betaincinv`` is itself off by more than that in
    places), is non-decreasing in u, and costs a small fraction of ``betaincinv`` per
    value. ``fallback_count`` counts the values that were handed to ``betaincinv``: none
    for ordinary shapes (a, b in [0.3, 200]) and u above 1e-289.
    """

    def __init__(self, a: float, b: float) -> None:
        a = float(a)
        b = float(b)
        if not (math.isfinite(a) and math.isfinite(b) and a > 0.0 and b > 0.0):
            raise ValueError(f"beta shape parameters must be positive and finite, got {a}, {b}")
        self.a = a
        self.b = b
        self._table = None if a == 1.0 or b == 1.0 or a == b == 0.5 else _Table(a, b)

    def __repr__(self) -> str:
        return f"BetaPPF(a={self.a!r}, b={self.b!r})"

    @property
    def fallback_count(self) -> int:
        """Number of values so far that were computed by ``betaincinv`` itself."""
        return 0 if self._table is None else self._table.fallback_count

    def __call__(self, u: np.ndarray) -> np.ndarray:
        """Quantiles at u (any shape; float64 result of the same shape)."""
        arr = np.asarray(u, dtype=np.float64)
        flat = arr.ravel()
        out = np.empty(flat.shape, dtype=np.float64)
        if self._table is not None:
            self._table(flat, out)
        else:
            self._closed_form(flat, out)
        return out.reshape(arr.shape)

    def _closed_form(self, u: np.ndarray, out: np.ndarray) -> None:
        a, b = self.a, self.b
        with np.errstate(all="ignore"):
            if a == 1.0 and b == 1.0:
                out[...] = u
            elif a == 1.0:  # x = 1 - (1 - u)**(1/b), accurate for small x too
                np.log1p(-u, out=out)
                out /= b
                np.expm1(out, out=out)
                np.negative(out, out=out)
            elif b == 1.0:  # x = u**(1/a)
                np.power(u, 1.0 / a, out=out)
            else:  # arcsine: x = sin(pi u / 2)**2
                np.multiply(u, 0.5 * np.pi, out=out)
                np.sin(out, out=out)
                np.square(out, out=out)
            out += 0.0  # no negative zeros
            invalid = ~((u >= 0.0) & (u <= 1.0))
            if invalid.any():
                out[invalid] = np.nan
