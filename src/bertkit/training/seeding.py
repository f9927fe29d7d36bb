"""One seed for everything random in a run: Python's ``random``, NumPy, the Keras backend
(torch or JAX) and Keras' own seed generators (dropout, new layers' initial weights).

The learners' ``for_*`` constructors call `seed_everything(seed)` before they build the model,
so that the same seed, data and machine give the same weights. What stays nondeterministic:
GPU kernels that reduce in a varying order (cuDNN, atomics), and a different number of CPU
threads (the order of floating-point sums changes); bertkit's own batch order and sampling are
seeded separately, by ``(seed, epoch)``.

>>> import numpy as np
>>> seed_everything(3); a = np.random.rand()
>>> seed_everything(3); a == np.random.rand()
True
"""

from __future__ import annotations

import keras


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy, the backend and Keras' seed generators with ``seed``."""
    keras.utils.set_random_seed(int(seed))
