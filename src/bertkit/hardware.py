"""What the machine accelerates, to pick a precision that helps rather than hurts."""

from __future__ import annotations

import functools
import os


@functools.lru_cache(maxsize=1)
def cpu_flags() -> frozenset[str]:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("flags"):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def fast_bfloat16() -> bool:
    """True where bfloat16 matrix products are faster than float32.

    That is a CUDA GPU of compute capability 8.0 or newer, or a CPU with AMX-BF16 or
    AVX512-BF16. Elsewhere (e.g. AVX2-only CPUs) PyTorch emulates bfloat16 and a matmul can be
    100x slower than in float32, so mixed precision must not be used there.
    """
    if os.environ.get("KERAS_BACKEND", "torch") == "torch":
        try:
            import torch

            if torch.cuda.is_available():
                return torch.cuda.get_device_capability()[0] >= 8
        except ImportError:  # pragma: no cover
            pass
    return bool({"amx_bf16", "avx512_bf16"} & cpu_flags())


def preferred_dtype() -> str | None:
    """``"mixed_bfloat16"`` where the hardware accelerates it, else None (float32)."""
    return "mixed_bfloat16" if fast_bfloat16() else None
