"""The BG/NBD model against Fader, Hardie & Lee (2005) and against data simulated from it.

The CDNOW data cannot be downloaded here, so the formulas are checked against figures published
for the paper's CDNOW estimates (r=0.243, α=4.414, a=0.793, b=2.426; Hardie's spreadsheets give
the same figures), against direct numerical integration over λ and p, and the fit against
samples simulated from known parameters.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from scipy import integrate

from relationkit.followups.bgnbd import BGNBD, fit

CDNOW = BGNBD(r=0.243, alpha=4.414, a=0.793, b=2.426)


def simulate(model: BGNBD, n: int, seed: int) -> tuple[np.ndarray, ...]:
    """(x, t_x, T, still alive) for ``n`` customers acquired over weeks 0-12 of a 39-week period."""
    rng = np.random.default_rng(seed)
    rate = rng.gamma(model.r, 1 / model.alpha, n)
    dropout = rng.beta(model.a, model.b, n)
    T = rng.uniform(27, 39, n)
    x, t_x, t = np.zeros(n), np.zeros(n), np.zeros(n)
    active = np.ones(n, bool)  # alive and still inside the observation period
    alive = np.ones(n, bool)
    while active.any():
        t = t + rng.exponential(1 / rate)
        active &= t <= T
        x[active] += 1
        t_x[active] = t[active]
        died = active & (rng.random(n) < dropout)
        alive &= ~died
        active &= ~died
    return x, t_x, T, alive


def test_conditional_expectation_matches_the_paper():
    # Fader, Hardie & Lee (2005), section 5: a customer with x=2, t_x=30.43, T=38.86 weeks is
    # expected to make 1.226 purchases in the next 39 weeks.
    expected = CDNOW.conditional_expected_purchases(39, 2, 30.43, 38.86)
    assert expected == pytest.approx(1.226, abs=5e-4)


def test_expected_purchases_match_hardies_spreadsheet():
    # E[X(t)] for a new customer at these weeks (Hardie's BG/NBD spreadsheet); the paper prints
    # the parameters rounded to three decimals, hence the tolerance.
    weeks = [0.1429, 1.0, 3.0, 31.8571, 32.0, 78.0]
    published = [0.0078, 0.0532, 0.1506, 1.0405, 1.0437, 1.8576]
    assert CDNOW.expected_purchases(weeks) == pytest.approx(published, rel=2e-3, abs=2e-4)


def _density(model: BGNBD, rate: float, p: float) -> float:
    """The mixing densities: λ ~ gamma(r, α) times p ~ beta(a, b)."""
    r, alpha, a, b = model.r, model.alpha, model.a, model.b
    gamma = alpha**r * rate ** (r - 1) * math.exp(-alpha * rate) / math.gamma(r)
    beta = p ** (a - 1) * (1 - p) ** (b - 1) * math.gamma(a + b) / (math.gamma(a) * math.gamma(b))
    return gamma * beta


def _integral(model: BGNBD, branch: Callable[[float, float], float]) -> float:
    """``branch(λ, p)`` integrated against the mixing densities."""

    def integrand(rate: float, p: float) -> float:
        return branch(rate, p) * _density(model, rate, p)

    return integrate.dblquad(integrand, 0, 1, 0, 60, epsabs=1e-14, epsrel=1e-9)[0]


def _individual_likelihood(model: BGNBD, x: int, t_x: float, T: float) -> float:
    """Equation (3) of the paper integrated over λ and p."""

    def given(rate: float, p: float) -> float:
        value = (1 - p) ** x * rate**x * math.exp(-rate * T)
        if x > 0:
            value += p * (1 - p) ** (x - 1) * rate**x * math.exp(-rate * t_x)
        return value

    return _integral(model, given)


@pytest.mark.parametrize(("x", "t_x", "T"), [(0, 0.0, 30.0), (1, 5.0, 38.0), (4, 20.5, 36.0)])
def test_likelihood_equals_the_integral_it_stands_for(x, t_x, T):
    model = BGNBD(r=1.2, alpha=4.4, a=1.8, b=2.4)  # shapes > 1 keep the integrand bounded
    expected = math.log(_individual_likelihood(model, x, t_x, T))
    assert model.log_likelihood([x], [t_x], [T]) == pytest.approx(expected, rel=1e-6)


def test_p_alive_is_the_posterior_share_of_the_alive_branch():
    model = BGNBD(r=1.2, alpha=4.4, a=1.8, b=2.4)
    x, t_x, T = 3, 10.0, 38.0

    def alive(rate: float, p: float) -> float:
        return (1 - p) ** x * rate**x * math.exp(-rate * T)

    expected = _integral(model, alive) / _individual_likelihood(model, x, t_x, T)
    assert model.p_alive(x, t_x, T) == pytest.approx(expected, rel=1e-6)


def test_p_alive_shape():
    # No repeat purchase: alive for sure. Same frequency, more recent last purchase: likelier
    # alive. Same recency long ago, more purchases: less likely (the "increasing frequency
    # paradox" of the paper's Figure 5).
    assert CDNOW.p_alive(0, 0, 39) == 1.0
    recent, older = CDNOW.p_alive([5, 5], [38, 10], [39, 39])
    assert recent > older
    frequencies = CDNOW.p_alive([2, 5, 10, 20], [30, 30, 30, 30], [39, 39, 39, 39])
    assert all(np.diff(frequencies) < 0)


def test_p_alive_is_calibrated_on_simulated_customers():
    x, t_x, T, alive = simulate(CDNOW, 20_000, seed=1)
    predicted = CDNOW.p_alive(x, t_x, T)
    assert predicted.sum() == pytest.approx(alive.sum(), rel=0.02)
    repeaters = x > 0
    assert predicted[repeaters].sum() == pytest.approx(alive[repeaters].sum(), rel=0.04)


def test_fit_recovers_the_parameters_of_simulated_data():
    x, t_x, T, _ = simulate(CDNOW, 20_000, seed=2)
    fitted = fit(x, t_x, T)
    assert fitted.r == pytest.approx(CDNOW.r, rel=0.1)
    assert fitted.alpha == pytest.approx(CDNOW.alpha, rel=0.15)
    assert fitted.a == pytest.approx(CDNOW.a, rel=0.2)
    assert fitted.b == pytest.approx(CDNOW.b, rel=0.25)
    assert fitted.log_likelihood(x, t_x, T) >= CDNOW.log_likelihood(x, t_x, T)


def test_fit_needs_customers():
    with pytest.raises(ValueError, match="no customers"):
        fit([], [], [])


def test_the_same_customers_in_any_order_give_the_same_fit():
    """Floating-point sums follow the order: unsorted, about one order in fifty of this small
    shop made the optimiser stop short (so the win-back rule ran without the model)."""
    x, t_x, T = [], [], []
    for n in range(40):
        days = [300 - 20 * k - n for k in range(1 + n % 4)]
        x.append(len(days) - 1)
        t_x.append((max(days) - min(days)) / 7)
        T.append(max(days) / 7)
    x_, t_x_, T_ = np.array(x, float), np.array(t_x, float), np.array(T, float)
    rng = np.random.default_rng(1)
    fits = set()
    for _ in range(100):
        order = rng.permutation(len(x))
        fits.add(fit(x_[order], t_x_[order], T_[order]))
    assert len(fits) == 1
