"""A linear-chain conditional random field as a Keras 3 layer, in ``keras.ops`` (every backend).

The CRF scores a tag path ``y`` over the labelled positions of a sequence as
``start[y_1] + sum_t emissions[t, y_t] + sum_t transitions[y_{t-1}, y_t] + end[y_n]``;
training maximises ``score(gold) - log Z`` (``log Z`` by the forward algorithm, a ``logsumexp``
recursion) and prediction takes the best path (Viterbi). Positions where ``mask`` is False
([CLS], [SEP], padding, or any gap) are skipped: the chain links consecutive unmasked
positions, so masked positions never change the result.

>>> import numpy as np, keras
>>> crf = CRF(num_tags=3)
>>> emissions = np.random.default_rng(0).normal(size=(2, 5, 3)).astype("float32")
>>> mask = np.array([[1, 1, 1, 1, 0], [0, 1, 1, 0, 0]], bool)
>>> nll = crf.negative_log_likelihood(emissions, np.zeros((2, 5), "int32"), mask)
>>> tuple(nll.shape)
(2,)
>>> keras.ops.convert_to_numpy(crf.decode(emissions, mask))[1].tolist()[:1]
[-1]
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="bertkit")
class CRF(keras.layers.Layer):
    """Transition scores between tags (plus start/end scores) and the CRF algorithms.

    Args:
        num_tags: number of tags ``K``.
        use_boundary: learn ``start`` / ``end`` scores (which tags may begin or end a sequence).
        lr_multiplier: the transitions are stored as ``raw / lr_multiplier`` and used as
            ``raw * lr_multiplier``, so Adam-type optimizers move them ``lr_multiplier`` times
            faster than the encoder (bert4keras' recipe: at BERT's 2e-5 they would barely move).

    The layer's ``call`` returns its input unchanged (the emissions); use
    `negative_log_likelihood`, `log_partition`, `path_score` and `decode`.
    """

    def __init__(self, num_tags: int, use_boundary: bool = True, lr_multiplier: float = 1000.0,
                 **kwargs: Any) -> None:
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        if num_tags < 1:
            raise ValueError(f"a CRF needs at least one tag, got num_tags={num_tags}.")
        if lr_multiplier <= 0:
            raise ValueError(f"lr_multiplier must be positive, got {lr_multiplier}.")
        self.num_tags = int(num_tags)
        self.use_boundary = bool(use_boundary)
        self.lr_multiplier = float(lr_multiplier)
        init = keras.initializers.RandomUniform(-0.1 / self.lr_multiplier,
                                                0.1 / self.lr_multiplier)
        self._transitions = self.add_weight(shape=(self.num_tags, self.num_tags),
                                            initializer=init, name="transitions")
        if self.use_boundary:
            self._start = self.add_weight(shape=(self.num_tags,), initializer="zeros",
                                          name="start_transitions")
            self._end = self.add_weight(shape=(self.num_tags,), initializer="zeros",
                                        name="end_transitions")
        self.built = True

    # ---- parameters ------------------------------------------------------------------------
    @property
    def transitions(self) -> Any:
        """``(K, K)``: ``transitions[i, j]`` scores tag ``j`` right after tag ``i``."""
        return ops.convert_to_tensor(self._transitions) * self.lr_multiplier

    @property
    def start_transitions(self) -> Any:
        if not self.use_boundary:
            return ops.zeros((self.num_tags,), "float32")
        return ops.convert_to_tensor(self._start) * self.lr_multiplier

    @property
    def end_transitions(self) -> Any:
        if not self.use_boundary:
            return ops.zeros((self.num_tags,), "float32")
        return ops.convert_to_tensor(self._end) * self.lr_multiplier

    def set_scores(self, transitions: Any, start: Any = None, end: Any = None) -> None:
        """Set the transition (and start/end) scores directly, e.g. to forbid ``O -> I-X``."""
        self._transitions.assign(ops.convert_to_tensor(transitions, "float32")
                                 / self.lr_multiplier)
        if start is not None and self.use_boundary:
            self._start.assign(ops.convert_to_tensor(start, "float32") / self.lr_multiplier)
        if end is not None and self.use_boundary:
            self._end.assign(ops.convert_to_tensor(end, "float32") / self.lr_multiplier)

    def call(self, emissions: Any) -> Any:
        return emissions

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "num_tags": self.num_tags,
                "use_boundary": self.use_boundary, "lr_multiplier": self.lr_multiplier}

    # ---- algorithms ------------------------------------------------------------------------
    @staticmethod
    def _prepare(emissions: Any, mask: Any) -> tuple[Any, Any]:
        emissions = ops.cast(emissions, "float32")
        mask = ops.cast(mask, "bool")
        # time-major for scan: (T, B, K) and (T, B)
        return ops.transpose(emissions, (1, 0, 2)), ops.transpose(mask, (1, 0))

    def log_partition(self, emissions: Any, mask: Any) -> Any:
        """``log Z`` per sequence ``(B,)``: logsumexp of the scores of every tag path."""
        em, mk = self._prepare(emissions, mask)
        trans, start = self.transitions, self.start_transitions
        batch = ops.shape(em)[1]
        alpha0 = ops.zeros((batch, self.num_tags), "float32") + start[None, :]
        started0 = ops.zeros((batch,), "bool")

        def step(carry: Any, x: Any) -> Any:
            alpha, started = carry
            e, m = x
            linked = ops.logsumexp(alpha[:, :, None] + trans[None, :, :], axis=1) + e
            first = alpha + e  # the first labelled position: start score + emission
            new = ops.where(started[:, None], linked, first)
            alpha = ops.where(m[:, None], new, alpha)
            return (alpha, ops.logical_or(started, m)), None

        (alpha, _), _ = ops.scan(step, (alpha0, started0), (em, mk))
        return ops.logsumexp(alpha + self.end_transitions[None, :], axis=1)

    def path_score(self, emissions: Any, tags: Any, mask: Any) -> Any:
        """Score of the given tag path ``(B,)`` (tags at masked positions are ignored)."""
        em, mk = self._prepare(emissions, mask)
        tg = ops.transpose(ops.cast(tags, "int32"), (1, 0))
        tg = ops.where(mk, tg, ops.zeros_like(tg))  # e.g. -1 on ignored positions
        trans, start = self.transitions, self.start_transitions
        k = self.num_tags
        batch = ops.shape(em)[1]

        def step(carry: Any, x: Any) -> Any:
            score, prev, started = carry
            e, m, y = x
            y_hot = ops.one_hot(y, k, dtype="float32")
            emit = ops.sum(e * y_hot, axis=-1)
            prev_hot = ops.one_hot(prev, k, dtype="float32")
            link = ops.sum(ops.matmul(prev_hot, trans) * y_hot, axis=-1)
            begin = ops.sum(start[None, :] * y_hot, axis=-1)
            add = emit + ops.where(started, link, begin)
            score = score + ops.where(m, add, ops.zeros_like(add))
            prev = ops.where(m, y, prev)
            return (score, prev, ops.logical_or(started, m)), None

        init = (ops.zeros((batch,), "float32"), ops.zeros((batch,), "int32"),
                ops.zeros((batch,), "bool"))
        (score, last, started), _ = ops.scan(step, init, (em, mk, tg))
        end = ops.sum(self.end_transitions[None, :] * ops.one_hot(last, k, dtype="float32"), -1)
        return score + ops.where(started, end, ops.zeros_like(end))

    def negative_log_likelihood(self, emissions: Any, tags: Any, mask: Any) -> Any:
        """``log Z - score(tags)`` per sequence ``(B,)``; 0 for a sequence with no labelled
        position."""
        nll = self.log_partition(emissions, mask) - self.path_score(emissions, tags, mask)
        any_labelled = ops.any(ops.cast(mask, "bool"), axis=1)
        return ops.where(any_labelled, nll, ops.zeros_like(nll))

    def decode(self, emissions: Any, mask: Any) -> Any:
        """The best tag path (Viterbi), ``int32 (B, T)``, ``-1`` at masked positions."""
        em, mk = self._prepare(emissions, mask)
        trans, start = self.transitions, self.start_transitions
        k = self.num_tags
        batch = ops.shape(em)[1]
        identity = ops.zeros((batch, k), "int32") + ops.arange(k, dtype="int32")[None, :]

        def forward(carry: Any, x: Any) -> Any:
            best, started = carry
            e, m = x
            candidates = best[:, :, None] + trans[None, :, :]  # (B, from, to)
            linked = ops.max(candidates, axis=1) + e
            pointers = ops.cast(ops.argmax(candidates, axis=1), "int32")
            new = ops.where(started[:, None], linked, best + e)
            pointers = ops.where(ops.logical_and(m, started)[:, None], pointers, identity)
            best = ops.where(m[:, None], new, best)
            return (best, ops.logical_or(started, m)), pointers

        best0 = ops.zeros((batch, k), "float32") + start[None, :]
        (best, _), pointers = ops.scan(forward, (best0, ops.zeros((batch,), "bool")), (em, mk))
        last = ops.cast(ops.argmax(best + self.end_transitions[None, :], axis=1), "int32")

        def backward(tag: Any, bp: Any) -> Any:
            # ``tag`` is the tag at step t; the pointer gives the tag at the previous step.
            previous = ops.sum(bp * ops.one_hot(tag, k, dtype="int32"), axis=1)
            return previous, tag

        _, path = ops.scan(backward, last, pointers, reverse=True)
        path = ops.transpose(path, (1, 0))
        return ops.where(ops.cast(mask, "bool"), path, -ops.ones_like(path))
