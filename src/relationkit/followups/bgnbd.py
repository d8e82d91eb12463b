"""The BG/NBD model: how likely a customer is still "alive" (still buying) given their history.

Fader, Hardie and Lee (2005), "Counting your customers the easy way: an alternative to the
Pareto/NBD model", Marketing Science 24(2). While alive, a customer buys at rate λ (gamma
distributed across customers with shape ``r`` and rate ``alpha``); after each repeat purchase
they drop out with probability p (beta distributed with ``a``, ``b``).

A customer's history is summarised as ``x`` (repeat purchases: purchase days after the first),
``t_x`` (time from the first to the last purchase) and ``T`` (time from the first purchase to
now), all in the same time unit (the playbook uses weeks).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import minimize
from scipy.special import expit, gammaln, hyp2f1

Array = NDArray[np.float64]


@dataclass(frozen=True)
class BGNBD:
    """Fitted (or given) model parameters."""

    r: float
    alpha: float
    a: float
    b: float

    def p_alive(self, x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> Array:
        """P(alive | x, t_x, T): 1 for customers with no repeat purchase (paper, and Hardie's
        note "Computing P(alive) using the BG/NBD model")."""
        x, t_x, T = _arrays(x, t_x, T)
        repeat = x > 0
        safe_b = np.where(repeat, self.b + x - 1, 1.0)
        log_odds = (
            np.log(self.a)
            - np.log(safe_b)
            + (self.r + x) * (np.log(self.alpha + T) - np.log(self.alpha + t_x))
        )
        return np.where(repeat, expit(-log_odds), 1.0)

    def expected_purchases(self, t: ArrayLike) -> Array:
        """E[X(t)]: repeat purchases a new customer is expected to make in a period of length t."""
        t = np.asarray(t, dtype=float)
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        z = t / (alpha + t)
        return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, z))

    def conditional_expected_purchases(
        self, t: ArrayLike, x: ArrayLike, t_x: ArrayLike, T: ArrayLike
    ) -> Array:
        """E[Y(t) | x, t_x, T]: purchases expected in the next t, given the customer's history."""
        x, t_x, T = _arrays(x, t_x, T)
        t = np.asarray(t, dtype=float)
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        z = t / (alpha + T + t)
        hyp = hyp2f1(r + x, b + x, a + b + x - 1, z)
        first = (a + b + x - 1) / (a - 1)
        second = 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp
        return first * second * self.p_alive(x, t_x, T)

    def log_likelihood(self, x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> float:
        """The sample log-likelihood (paper, equation 6, summed over customers)."""
        return float(np.sum(_individual_log_likelihood(np.log(self.params()), _Sample(x, t_x, T))))

    def params(self) -> Array:
        return np.array([self.r, self.alpha, self.a, self.b])


def fit(x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> BGNBD:
    """Maximum-likelihood parameters for these customers (optimised on the log scale, so every
    parameter stays positive). Raises ``ValueError`` when the optimiser does not converge."""
    sample = _Sample(x, t_x, T)
    if sample.x.size == 0:
        raise ValueError("cannot fit the BG/NBD model to no customers")

    def negative(log_params: Array) -> float:
        # The optimiser probes far-out parameters where the terms overflow: such a point is
        # simply hopeless (1e300), not worth a warning on the owner's terminal.
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            value = -float(np.sum(_individual_log_likelihood(log_params, sample)))
        return value if np.isfinite(value) else 1e300

    result = minimize(negative, np.zeros(4), method="L-BFGS-B", options={"maxiter": 500})
    if not result.success:
        raise ValueError(f"BG/NBD fit did not converge: {result.message}")
    r, alpha, a, b = np.exp(result.x)
    return BGNBD(float(r), float(alpha), float(a), float(b))


class _Sample:
    """Customers' (x, t_x, T) with the distinct values of x found once (the gamma functions of
    the likelihood are then evaluated per distinct x, not per customer).

    The customers are put in one order whatever order they came in: floating-point sums
    depend on it, and the optimiser's path (even whether it converges) with them, so the same
    customers must always give the same fit."""

    def __init__(self, x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> None:
        x, t_x, T = _arrays(x, t_x, T)
        order = np.lexsort((T, t_x, x))
        self.x, self.t_x, self.T = x[order], t_x[order], T[order]
        self.counts, self.index = np.unique(self.x, return_inverse=True)


def _individual_log_likelihood(log_params: Array, sample: _Sample) -> Array:
    r, alpha, a, b = np.exp(log_params)
    x, t_x, T, counts = sample.x, sample.t_x, sample.T, sample.counts
    ln_gammas = gammaln(r + counts) + gammaln(b + counts) - gammaln(a + b + counts)
    ln_a1_a2 = (
        ln_gammas[sample.index] - gammaln(r) + r * np.log(alpha) + gammaln(a + b) - gammaln(b)
    )
    ln_a3 = -(r + x) * np.log(alpha + T)
    repeat = x > 0
    safe_b = np.where(repeat, b + x - 1, 1.0)
    ln_a4 = np.log(a) - np.log(safe_b) - (r + x) * np.log(alpha + t_x)
    return ln_a1_a2 + np.where(repeat, np.logaddexp(ln_a3, ln_a4), ln_a3)


def _arrays(x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> tuple[Array, Array, Array]:
    return (np.asarray(x, dtype=float), np.asarray(t_x, dtype=float), np.asarray(T, dtype=float))
