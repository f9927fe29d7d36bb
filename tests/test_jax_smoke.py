"""The same model code on the JAX backend: build, load the TF fixture, one forward, one train step.

Runs in a subprocess (a process holds one Keras backend); skipped when JAX is not installed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import TINY_TF

SCRIPT = textwrap.dedent("""
    import sys
    import numpy as np
    import bertkit, keras
    assert keras.backend.backend() == "jax", keras.backend.backend()
    ref = np.load(sys.argv[1] + "/reference.npz")
    backbone = bertkit.load_backbone(sys.argv[1])
    out = backbone({"token_ids": ref["input_ids"].astype("int32"),
                    "segment_ids": ref["token_type_ids"].astype("int32"),
                    "padding_mask": ref["attention_mask"].astype("int32")})
    mask = ref["attention_mask"].astype(bool)
    seq = keras.ops.convert_to_numpy(out["sequence_output"])
    err = max(np.abs(seq[mask] - ref["sequence_output"][mask]).max(),
              np.abs(keras.ops.convert_to_numpy(out["pooled_output"]) - ref["pooled_output"]).max())
    assert err < 1e-4, err
    inputs = {k: keras.Input((None,), dtype="int32", name=k)
              for k in ("token_ids", "segment_ids", "padding_mask")}
    logits = keras.layers.Dense(2)(backbone(inputs)["pooled_output"])
    model = keras.Model(inputs, logits)
    model.compile(keras.optimizers.Adam(1e-3),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    x = {"token_ids": ref["input_ids"].astype("int32"),
         "segment_ids": ref["token_type_ids"].astype("int32"),
         "padding_mask": ref["attention_mask"].astype("int32")}
    before = [w.copy() for w in backbone.get_weights()]
    loss = model.train_on_batch(x, np.array([0, 1, 0]))
    assert np.isfinite(loss), loss
    assert any(not np.array_equal(a, b) for a, b in zip(before, backbone.get_weights()))
    print("JAX OK", err, loss)
""")


def test_jax_backend_forward_and_train_step():
    pytest.importorskip("jax")
    src = Path(__file__).resolve().parents[1] / "src"
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu",
           "PYTHONPATH": os.pathsep.join([str(src), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(TINY_TF)], env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "JAX OK" in result.stdout
