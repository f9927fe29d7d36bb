"""Learning-rate schedules and the optimizer for fine-tuning, composed rather than forked.

``create_optimizer`` builds bertkit's ``AdamW`` (Keras' AdamW, fused on torch) with

- a schedule (linear warmup then linear decay, or one-cycle),
- no weight decay on LayerNorm weights and biases,
- optional gradient accumulation (Keras' own ``gradient_accumulation_steps``),
- optional layer-wise learning-rate decay (lower layers learn slower), applied as a
  per-variable learning-rate multiplier (scaling gradients would not do:
  Adam's update ignores the gradient's scale).
"""

from __future__ import annotations

import math
import re
from typing import Any

import keras
from keras import ops

NO_DECAY_NAMES = ("gamma", "beta", "bias")


@keras.saving.register_keras_serializable(package="bertkit")
class WarmupLinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """Linear warmup from 0 to ``peak`` over ``warmup_steps``, then linear decay to ``end``.

    >>> schedule = WarmupLinearDecay(1e-3, total_steps=100, warmup_steps=10)
    >>> [round(float(schedule(s)), 6) for s in (0, 5, 10, 55, 100)]
    [0.0, 0.0005, 0.001, 0.0005, 0.0]
    """

    def __init__(self, peak: float, total_steps: int, warmup_steps: int = 0,
                 end: float = 0.0) -> None:
        self.peak = float(peak)
        self.total_steps = max(int(total_steps), 1)
        self.warmup_steps = int(warmup_steps)
        self.end = float(end)

    def __call__(self, step):
        step = ops.cast(step, "float32")
        warmup = ops.cast(max(self.warmup_steps, 1), "float32")
        decay_steps = ops.cast(max(self.total_steps - self.warmup_steps, 1), "float32")
        rising = self.peak * step / warmup
        progress = ops.clip((step - self.warmup_steps) / decay_steps, 0.0, 1.0)
        falling = self.end + (self.peak - self.end) * (1.0 - progress)
        return ops.where(step < self.warmup_steps, rising, falling)

    def get_config(self) -> dict[str, Any]:
        return {"peak": self.peak, "total_steps": self.total_steps,
                "warmup_steps": self.warmup_steps, "end": self.end}


@keras.saving.register_keras_serializable(package="bertkit")
class OneCycle(keras.optimizers.schedules.LearningRateSchedule):
    """The one-cycle policy (Smith; fastai, ktrain's ``fit_onecycle``).

    Linear rise from ``peak / div_factor`` to ``peak`` over the first ``pct_start`` of the steps,
    then cosine annealing down to ``peak / final_div_factor``.

    >>> schedule = OneCycle(1e-3, total_steps=100)
    >>> [round(float(schedule(s)), 6) for s in (0, 30, 100)]
    [4e-05, 0.001, 0.0]
    """

    def __init__(self, peak: float, total_steps: int, pct_start: float = 0.3,
                 div_factor: float = 25.0, final_div_factor: float = 1e4) -> None:
        self.peak = float(peak)
        self.total_steps = max(int(total_steps), 1)
        self.pct_start = float(pct_start)
        self.div_factor = float(div_factor)
        self.final_div_factor = float(final_div_factor)

    def __call__(self, step):
        step = ops.cast(step, "float32")
        up_steps = max(self.pct_start * self.total_steps, 1.0)
        down_steps = max(self.total_steps - up_steps, 1.0)
        start = self.peak / self.div_factor
        end = self.peak / self.final_div_factor
        rising = start + (self.peak - start) * ops.minimum(step / up_steps, 1.0)
        progress = ops.clip((step - up_steps) / down_steps, 0.0, 1.0)
        falling = end + (self.peak - end) * 0.5 * (1.0 + ops.cos(math.pi * progress))
        return ops.where(step <= up_steps, rising, falling)

    def get_config(self) -> dict[str, Any]:
        return {"peak": self.peak, "total_steps": self.total_steps, "pct_start": self.pct_start,
                "div_factor": self.div_factor, "final_div_factor": self.final_div_factor}


@keras.saving.register_keras_serializable(package="bertkit")
class ExponentialRamp(keras.optimizers.schedules.LearningRateSchedule):
    """Learning rate growing geometrically from ``start`` to ``end`` over ``steps`` (for lr_find)."""

    def __init__(self, start: float, end: float, steps: int) -> None:
        self.start, self.end, self.steps = float(start), float(end), max(int(steps), 1)

    def __call__(self, step):
        ratio = ops.cast(step, "float32") / float(self.steps)
        return self.start * ops.power(self.end / self.start, ratio)

    def get_config(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "steps": self.steps}


_LAYER_INDEX = re.compile(r"transformer_layer_(\d+)/")


def layerwise_multipliers(variables: list[Any], num_layers: int, decay: float) -> dict[str, float]:
    """Learning-rate multiplier per variable path: ``decay ** depth`` from the top.

    The head and pooler get 1, transformer layer ``i`` gets ``decay ** (num_layers - i)``, and
    the embeddings ``decay ** (num_layers + 1)``.
    """
    multipliers = {}
    for variable in variables:
        path = variable.path
        match = _LAYER_INDEX.search(path)
        if match:
            depth = num_layers - int(match.group(1))
        elif "embeddings" in path:
            depth = num_layers + 1
        else:
            depth = 0
        multipliers[path] = decay ** depth
    return multipliers


@keras.saving.register_keras_serializable(package="bertkit")
class AdamW(keras.optimizers.AdamW):
    """Keras' AdamW with per-variable learning-rate multipliers and a fused update on torch.

    - ``lr_multipliers`` (variable path -> factor) scales each variable's learning rate, for
      layer-wise learning-rate decay; variables not listed get 1.
    - On the torch backend the whole step -- weight decay and the Adam update -- runs through
      torch's fused AdamW kernel (one pass over the weights per group of equal decay and
      multiplier), and global-norm clipping scales the gradients in place. Keras' generic path
      runs about ten ``_foreach`` passes, four of them allocating a temporary as large as all
      weights: on a CPU that was a quarter of a fine-tuning step (``benchmarks/
      bench_train_step.py``).
    - Both paths compute the update of the Adam paper and ``torch.optim.AdamW`` (so of the
      transformers Trainer): epsilon is added to the *bias-corrected* second moment's root,
      ``m_hat / (sqrt(v_hat) + eps)``. Keras' Adam adds it before the correction, which makes
      the first steps smaller (by ~30x epsilon at step 1) for weights with small gradients.
      ``tests/test_optimizer.py`` checks both paths against ``torch.optim.AdamW`` step by step.
    - On other backends the generic path runs (``keras.ops``), with the multipliers applied.

    Gradient accumulation, schedules, EMA and saving are Keras' own.
    """

    def __init__(self, *args: Any, lr_multipliers: dict[str, float] | None = None,
                 fused: bool | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.amsgrad:  # neither update path implements it
            raise ValueError("bertkit's AdamW does not implement amsgrad; use "
                             "keras.optimizers.AdamW.")
        self.lr_multipliers = dict(lr_multipliers or {})
        if fused and keras.backend.backend() != "torch":
            raise ValueError("fused=True needs the torch backend; leave it unset to use the "
                             "fused update whenever the backend allows it.")
        self.fused = keras.backend.backend() == "torch" if fused is None else bool(fused)

    # ---- generic path (every backend)
    def update_step(self, gradient, variable, learning_rate):
        """Keras' Adam step with this variable's multiplier and epsilon after bias correction
        (weight decay is applied before, by ``_apply_weight_decay``)."""
        dtype = variable.dtype
        lr = ops.cast(learning_rate, dtype) * self.lr_multipliers.get(variable.path, 1.0)
        gradient = ops.cast(gradient, dtype)
        step = ops.cast(self.iterations + 1, dtype)
        correction_1 = 1 - ops.power(ops.cast(self.beta_1, dtype), step)
        correction_2 = 1 - ops.power(ops.cast(self.beta_2, dtype), step)
        index = self._get_variable_index(variable)
        m, v = self._momentums[index], self._velocities[index]
        self.assign_add(m, ops.multiply(ops.subtract(gradient, m), 1 - self.beta_1))
        self.assign_add(v, ops.multiply(ops.subtract(ops.square(gradient), v), 1 - self.beta_2))
        denominator = ops.add(ops.sqrt(ops.divide(v, correction_2)), self.epsilon)
        self.assign_sub(variable, ops.divide(ops.multiply(m, lr / correction_1), denominator))

    # ---- torch fast path
    def _apply_weight_decay(self, variables):
        if self.fused:
            return  # folded into the fused update
        return super()._apply_weight_decay(variables)

    def _clip_gradients(self, grads):
        if not (self.fused and self.global_clipnorm and not self.clipnorm):
            return super()._clip_gradients(grads)
        import torch

        with torch.no_grad():
            norm = torch.linalg.vector_norm(torch.stack(torch._foreach_norm(grads)))
            # Keras' clip_by_global_norm: scale = clip / max(norm, clip); NaN stays NaN.
            scale = self.global_clipnorm / torch.maximum(norm, norm.new_tensor(
                self.global_clipnorm))
            grads = torch._foreach_mul(grads, scale)
        return grads

    def _backend_update_step(self, grads, trainable_variables, learning_rate):
        if not self.fused:
            return super()._backend_update_step(grads, trainable_variables, learning_rate)
        import torch

        with torch.no_grad():
            lr = float(learning_rate.value if hasattr(learning_rate, "value")
                       else learning_rate)
            step = float(self.iterations) + 1.0  # counts updates, not accumulated batches
            groups: dict[tuple[float, float], list] = {}
            for grad, variable in zip(grads, trainable_variables):
                decay = self.weight_decay if (self.weight_decay and
                                              self._use_weight_decay(variable)) else 0.0
                scale = self.lr_multipliers.get(variable.path, 1.0)
                groups.setdefault((float(decay), float(scale)), []).append((grad, variable))
            for (decay, scale), pairs in groups.items():
                index = [self._get_variable_index(v) for _, v in pairs]
                step_tensor = torch.tensor(step)
                torch._fused_adamw_(
                    [v.value for _, v in pairs],
                    [g.contiguous() for g, _ in pairs],
                    [self._momentums[i].value for i in index],
                    [self._velocities[i].value for i in index], [],
                    [step_tensor] * len(pairs), amsgrad=False, lr=lr * scale,
                    beta1=self.beta_1, beta2=self.beta_2, weight_decay=decay, eps=self.epsilon,
                    maximize=False)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "lr_multipliers": self.lr_multipliers}


def head_multipliers(model: Any, factor: float) -> dict[str, float]:
    """``factor`` for every trainable variable outside ``model.backbone`` (the task's head).

    A head drawn at random next to a pretrained encoder often needs a larger step than the
    encoder: with few steps (small data) it otherwise stays near its initialisation, e.g. a
    token tagger on an encoder whose outputs are small never learns past the "no entity" prior.
    """
    encoder = {v.path for v in model.backbone.trainable_variables}
    return {v.path: factor for v in model.trainable_variables if v.path not in encoder}


def create_optimizer(schedule: Any, *, weight_decay: float = 0.01,
                     gradient_accumulation_steps: int = 1, layerwise_decay: float | None = None,
                     head_lr_multiplier: float = 1.0, model: Any = None,
                     global_clipnorm: float | None = 1.0,
                     fused: bool | None = None) -> keras.optimizers.Optimizer:
    """AdamW for fine-tuning: no decay on LayerNorm/bias, accumulation and layer-wise LR optional.

    Gradients are clipped to a global norm of 1.0, as Google's BERT (``clip_by_global_norm``)
    and the transformers Trainer do (Keras' ``clipnorm`` would clip each tensor separately).

    ``schedule`` is a float or a Keras schedule counted in batches (with accumulation the
    schedule still advances once per batch). ``layerwise_decay`` (e.g. 0.9) and
    ``head_lr_multiplier`` (the task head's rate over the encoder's, see `head_multipliers`)
    need ``model``; the two multiply.
    ``fused`` (default: on the torch backend) picks ``AdamW``'s fused update.
    """
    kwargs: dict[str, Any] = dict(learning_rate=schedule, weight_decay=weight_decay,
                                  beta_1=0.9, beta_2=0.999, epsilon=1e-6,
                                  global_clipnorm=global_clipnorm)
    if gradient_accumulation_steps > 1:
        kwargs["gradient_accumulation_steps"] = int(gradient_accumulation_steps)
    if (layerwise_decay is not None or head_lr_multiplier != 1.0) and model is None:
        raise ValueError("layerwise_decay and head_lr_multiplier need the model, to know which "
                         "weight belongs where.")
    if head_lr_multiplier <= 0:
        raise ValueError(f"head_lr_multiplier must be positive, got {head_lr_multiplier}.")
    multipliers: dict[str, float] = {}
    if layerwise_decay is not None:
        num_layers = model.backbone.bert_config.num_layers
        multipliers = layerwise_multipliers(model.trainable_variables, num_layers,
                                            layerwise_decay)
    if head_lr_multiplier != 1.0:
        for path, factor in head_multipliers(model, head_lr_multiplier).items():
            multipliers[path] = multipliers.get(path, 1.0) * factor
    if multipliers:
        kwargs["lr_multipliers"] = multipliers
    optimizer = AdamW(fused=fused, **kwargs)
    optimizer.exclude_from_weight_decay(var_names=list(NO_DECAY_NAMES))
    return optimizer
