"""Calibration: one temperature fitted on validation margins, and the ECE it buys.

p_fake = sigmoid(z / T) where z is the document's fake-minus-real margin (chunking.py).
T is chosen to minimise the negative log-likelihood on the validation split; it does
not change any predicted label, only how sure the probabilities say the model is.
"""

from __future__ import annotations

import numpy as np

from fakeradar.training.chunking import sigmoid

T_BOUNDS = (0.01, 100.0)   # an undertrained model can need T << 1; keeps the search sane


def nll(margins: np.ndarray, is_fake: np.ndarray, temperature: float) -> float:
    """Mean negative log-likelihood of the fake/real labels under sigmoid(z / T)."""
    z = margins / temperature
    # log(1 + exp(-z)) for fake, log(1 + exp(z)) for real, computed stably
    signed = np.where(is_fake, z, -z)
    return float(np.mean(np.logaddexp(0.0, -signed)))


def fit_temperature(margins: np.ndarray, labels: np.ndarray) -> float:
    """The temperature minimising validation NLL (labels: 0 = fake, 1 = real)."""
    from scipy.optimize import minimize_scalar

    margins = np.asarray(margins, dtype=np.float64)
    is_fake = np.asarray(labels) == 0
    if np.all(np.where(is_fake, margins > 0, margins < 0)):
        # Perfectly separated validation data: NLL keeps falling as T -> 0, which would
        # only make an in-domain-perfect model more overconfident elsewhere. Keep T = 1.
        return 1.0
    result = minimize_scalar(lambda log_t: nll(margins, is_fake, float(np.exp(log_t))),
                             bounds=tuple(np.log(T_BOUNDS)), method="bounded")
    return float(np.exp(result.x))


def expected_calibration_error(p_fake: np.ndarray, labels: np.ndarray, bins: int = 10) -> float:
    """ECE of the predicted class's confidence, equal-width bins over [0.5, 1]."""
    p_fake = np.asarray(p_fake, dtype=np.float64)
    predicted_fake = p_fake >= 0.5
    confidence = np.where(predicted_fake, p_fake, 1.0 - p_fake)
    correct = predicted_fake == (np.asarray(labels) == 0)
    edges = np.linspace(0.5, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        members = which == b
        if members.any():
            total += members.mean() * abs(correct[members].mean() - confidence[members].mean())
    return float(total)


def calibrated(margins: np.ndarray, temperature: float) -> np.ndarray:
    return np.asarray(sigmoid(np.asarray(margins, dtype=np.float64) / temperature))
