"""The CRF layer against brute force: every tag path of tiny inputs is enumerated."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import bertkit  # noqa: F401  (selects the backend)
import keras

from bertkit.tasks.tagging.crf import CRF


def _crf(num_tags: int, seed: int, boundary: bool = True) -> CRF:
    rng = np.random.default_rng(seed)
    crf = CRF(num_tags, use_boundary=boundary)
    crf.set_scores(rng.normal(size=(num_tags, num_tags)), rng.normal(size=num_tags),
                   rng.normal(size=num_tags))
    return crf


def _np(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


def _brute_force(crf: CRF, emissions: np.ndarray, mask: np.ndarray):
    """(log Z, best path, score(path) for every path) over the unmasked positions."""
    trans, start, end = _np(crf.transitions), _np(crf.start_transitions), _np(crf.end_transitions)
    e = emissions[mask]
    paths = list(itertools.product(range(crf.num_tags), repeat=len(e)))
    scores = np.array([start[p[0]] + sum(e[i, t] for i, t in enumerate(p))
                       + sum(trans[a, b] for a, b in zip(p, p[1:])) + end[p[-1]]
                       for p in paths])
    log_z = np.log(np.exp(scores - scores.max()).sum()) + scores.max()
    return log_z, paths[int(scores.argmax())], dict(zip(paths, scores))


@pytest.mark.parametrize("boundary", [True, False])
def test_log_partition_path_score_and_viterbi_equal_brute_force(boundary):
    rng = np.random.default_rng(0)
    k, t = 3, 6
    crf = _crf(k, seed=1, boundary=boundary)
    emissions = rng.normal(size=(4, t, k)).astype("float32")
    # a full row, [CLS]/[SEP]-like ends, a gap in the middle, a single labelled position
    mask = np.array([[1, 1, 1, 1, 1, 1], [0, 1, 1, 1, 1, 0], [0, 1, 0, 1, 1, 0],
                     [0, 0, 1, 0, 0, 0]], bool)
    log_z = _np(crf.log_partition(emissions, mask))
    decoded = _np(crf.decode(emissions, mask))
    for b in range(4):
        ref_z, ref_best, all_scores = _brute_force(crf, emissions[b], mask[b])
        assert log_z[b] == pytest.approx(ref_z, abs=1e-4)
        assert tuple(decoded[b][mask[b]]) == ref_best
        assert (decoded[b][~mask[b]] == -1).all()
        # the score of some arbitrary paths (tags at masked positions are ignored)
        for path in list(all_scores)[:: max(1, len(all_scores) // 7)]:
            tags = np.full((4, t), -1, "int32")
            tags[b][mask[b]] = path
            assert _np(crf.path_score(emissions, tags, mask))[b] == pytest.approx(
                all_scores[path], abs=1e-4)


def test_padding_and_masked_positions_never_change_results():
    rng = np.random.default_rng(2)
    crf = _crf(4, seed=3)
    emissions = rng.normal(size=(2, 5, 4)).astype("float32")
    mask = np.array([[0, 1, 1, 1, 0], [0, 1, 1, 0, 0]], bool)
    tags = rng.integers(0, 4, size=(2, 5)).astype("int32")
    ref = [_np(crf.log_partition(emissions, mask)), _np(crf.decode(emissions, mask)),
           _np(crf.negative_log_likelihood(emissions, tags, mask))]
    # change everything outside the mask, and add padded steps at the end
    noisy = emissions.copy()
    noisy[~mask] = rng.normal(size=(int((~mask).sum()), 4)) * 100
    noisy = np.concatenate([noisy, rng.normal(size=(2, 3, 4)).astype("float32") * 100], 1)
    wide_mask = np.concatenate([mask, np.zeros((2, 3), bool)], 1)
    wide_tags = np.concatenate([np.where(mask, tags, 3), np.full((2, 3), 2, "int32")], 1)
    got = [_np(crf.log_partition(noisy, wide_mask)), _np(crf.decode(noisy, wide_mask))[:, :5],
           _np(crf.negative_log_likelihood(noisy, wide_tags, wide_mask))]
    for a, b in zip(ref, got):
        np.testing.assert_allclose(a, b, atol=1e-5)
    # the likelihood of the gold path is a probability: NLL >= 0; no labelled position: 0
    assert (ref[2] >= 0).all()
    empty = _np(crf.negative_log_likelihood(emissions, tags, np.zeros((2, 5), bool)))
    assert (empty == 0).all()


def test_gradients_reach_emissions_and_transitions():
    import torch

    crf = _crf(3, seed=4)
    emissions = torch.tensor(np.random.default_rng(5).normal(size=(2, 4, 3)),
                             dtype=torch.float32, requires_grad=True)
    tags = np.array([[0, 1, 2, 1], [2, 2, 0, -1]], "int32")
    loss = crf.negative_log_likelihood(emissions, tags, tags >= 0).sum()
    loss.backward()
    assert emissions.grad is not None and float(emissions.grad.abs().sum()) > 0
    # d NLL / d emissions = marginals - one-hot(gold): each labelled row sums to 0
    np.testing.assert_allclose(emissions.grad.numpy().sum(-1)[tags >= 0], 0, atol=1e-5)
    assert (emissions.grad.numpy()[1, 3] == 0).all()  # a masked position gets no gradient
    for weight in crf.trainable_weights:
        assert weight.value.grad is not None and float(weight.value.grad.abs().sum()) > 0


JAX_SCRIPT = textwrap.dedent("""
    import sys, json
    import numpy as np
    import bertkit, keras, jax
    assert keras.backend.backend() == "jax"
    from bertkit.tasks.tagging.crf import CRF
    data = np.load(sys.argv[1])
    crf = CRF(3)
    crf.set_scores(data["trans"], data["start"], data["end"])
    em, mask, tags = data["em"], data["mask"], data["tags"]
    nll = crf.negative_log_likelihood(em, tags, mask)
    grad = jax.grad(lambda e: crf.negative_log_likelihood(e, tags, mask).sum())(em)
    out = {"nll": np.asarray(nll).tolist(), "path": np.asarray(crf.decode(em, mask)).tolist(),
           "grad_sum": float(np.abs(np.asarray(grad)).sum())}
    # a CRF tagger trains under Keras' stateless JAX train step (the loss reads the transitions)
    from bertkit.tasks.tagging import TokenTagger
    keras.utils.set_random_seed(0)
    backbone = bertkit.BertBackbone(vocab_size=50, hidden_size=16, num_layers=1, num_heads=2,
                                    intermediate_size=32)
    tagger = TokenTagger(backbone, num_tags=5, head="crf", crf_lr_multiplier=1.0)
    tagger.compile(keras.optimizers.Adam(1e-2), loss=tagger.loss_function())
    x = {"token_ids": (np.arange(28).reshape(4, 7) % 40 + 5).astype("int32"),
         "segment_ids": np.zeros((4, 7), "int32"), "padding_mask": np.ones((4, 7), "int32")}
    y = (np.arange(28).reshape(4, 7) % 5).astype("int32")
    y[:, 0] = y[:, -1] = -1
    before = np.array(tagger.crf.transitions)
    losses = [float(tagger.train_on_batch(x, y)) for _ in range(15)]
    out["losses"] = [losses[0], losses[-1]]
    out["moved"] = float(np.abs(np.array(tagger.crf.transitions) - before).max())
    print("JAX", json.dumps(out))
""")


def test_crf_runs_and_trains_on_jax_with_the_same_results(tmp_path):
    pytest.importorskip("jax")
    rng = np.random.default_rng(6)
    crf = _crf(3, seed=7)
    em = rng.normal(size=(2, 5, 3)).astype("float32")
    mask = np.array([[0, 1, 1, 1, 0], [0, 1, 1, 0, 0]], bool)
    tags = np.where(mask, rng.integers(0, 3, (2, 5)), -1).astype("int32")
    np.savez(tmp_path / "crf.npz", trans=_np(crf.transitions), start=_np(crf.start_transitions),
             end=_np(crf.end_transitions), em=em, mask=mask, tags=tags)
    src = Path(__file__).resolve().parents[1] / "src"
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu",
           "PYTHONPATH": os.pathsep.join([str(src), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run([sys.executable, "-c", JAX_SCRIPT, str(tmp_path / "crf.npz")],
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    import json

    out = json.loads(result.stdout.split("JAX ", 1)[1])
    np.testing.assert_allclose(out["nll"], _np(crf.negative_log_likelihood(em, tags, mask)),
                               atol=1e-4)
    assert out["path"] == _np(crf.decode(em, mask)).tolist()
    assert out["grad_sum"] > 0
    assert out["losses"][1] < out["losses"][0] / 2 and out["moved"] > 0
