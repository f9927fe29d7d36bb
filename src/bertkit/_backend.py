"""Choose the Keras backend before Keras is imported.

bertkit runs on Keras 3 with the **torch** backend unless the user picked one: it sets
``KERAS_BACKEND=torch`` only when that variable is unset. To use JAX, set ``KERAS_BACKEND=jax``
before importing bertkit (or Keras).
"""

from __future__ import annotations

import os
import sys
import warnings

DEFAULT_BACKEND = "torch"


def choose_backend() -> str:
    """Set ``KERAS_BACKEND`` to torch unless the user chose one; return the backend in force."""
    os.environ.setdefault("KERAS_BACKEND", DEFAULT_BACKEND)
    wanted = os.environ["KERAS_BACKEND"]
    keras = sys.modules.get("keras")
    if keras is not None and hasattr(keras, "backend"):
        active = keras.backend.backend()
        if active != wanted:
            warnings.warn(
                f"Keras was imported before bertkit with backend {active!r}; bertkit runs on it. "
                f"Set KERAS_BACKEND before importing Keras to choose another.",
                stacklevel=3,
            )
        return active
    return wanted
