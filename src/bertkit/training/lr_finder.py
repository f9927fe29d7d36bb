"""The learning-rate range test (Smith; ktrain's ``lr_find``): loss against a growing rate."""

from __future__ import annotations

import math
from typing import Any

import keras
import numpy as np

from bertkit.training.optimization import ExponentialRamp


class LRFinder(keras.callbacks.Callback):
    """Records the loss of every batch while the learning rate grows geometrically.

    Stops when the loss diverges (4× the best smoothed loss) or turns NaN.
    """

    def __init__(self, start_lr: float, end_lr: float, steps: int) -> None:
        super().__init__()
        self.start_lr, self.end_lr = start_lr, end_lr
        self.ramp_steps = steps
        self._running = 0.0  # Keras' running mean of the loss over the batches so far
        self.rates: list[float] = []
        self.losses: list[float] = []
        self._smoothed = 0.0
        self._best = math.inf

    def schedule(self) -> ExponentialRamp:
        return ExponentialRamp(self.start_lr, self.end_lr, self.ramp_steps)

    def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
        loss = float((logs or {}).get("loss", math.nan))
        # Keras reports the running mean over the epoch; recover this batch's loss.
        n = batch + 1
        batch_loss = loss * n - (self._running * (n - 1) if n > 1 else 0.0)
        self._running = loss
        lr = self.start_lr * (self.end_lr / self.start_lr) ** (batch / max(self.ramp_steps, 1))
        self.rates.append(lr)
        self.losses.append(batch_loss)
        beta = 0.9
        self._smoothed = beta * self._smoothed + (1 - beta) * batch_loss
        smoothed = self._smoothed / (1 - beta ** n)
        self._best = min(self._best, smoothed)
        if not math.isfinite(batch_loss) or (n > 5 and smoothed > 4 * self._best):
            self.model.stop_training = True

    def smoothed_losses(self) -> np.ndarray:
        out, avg = [], 0.0
        for i, loss in enumerate(self.losses, 1):
            avg = 0.9 * avg + 0.1 * loss
            out.append(avg / (1 - 0.9 ** i))
        return np.asarray(out)

    def suggestion(self) -> float:
        """A learning rate from the curve: where the smoothed loss falls fastest before its
        minimum; when the loss barely falls, a tenth of the rate at the minimum (fastai's
        rule). Always inside the range tested."""
        losses = self.smoothed_losses()
        rates = np.asarray(self.rates)
        finite = np.isfinite(losses)
        if finite.sum() < 4:
            return float(rates[0]) if len(rates) else self.start_lr
        losses, rates = losses[finite], rates[finite]
        lowest = int(np.argmin(losses))
        if lowest >= 3 and losses[lowest] < 0.95 * losses[0]:
            slopes = np.gradient(losses[: lowest + 1], np.log(rates[: lowest + 1]))
            choice = float(rates[int(np.argmin(slopes))])
        else:
            choice = float(rates[lowest] / 10)
        return float(np.clip(choice, rates[0], rates[-1]))

    def plot(self, path: str) -> str:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(7, 4.5))
        ax.plot(self.rates, self.losses, alpha=0.3, label="batch loss")
        ax.plot(self.rates, self.smoothed_losses(), label="smoothed")
        suggestion = self.suggestion()
        ax.axvline(suggestion, color="red", linestyle="--", label=f"suggested {suggestion:.1e}")
        ax.set_xscale("log")
        ax.set_xlabel("learning rate (log scale)")
        ax.set_ylabel("loss")
        finite = [v for v in self.smoothed_losses() if math.isfinite(v)]
        if finite:
            ax.set_ylim(min(finite) * 0.9, min(max(finite), 3 * finite[0]) * 1.1)
        ax.legend()
        ax.set_title("lr_find: loss against learning rate")
        fig.tight_layout()
        fig.savefig(path, dpi=120)
        plt.close(fig)
        return path
