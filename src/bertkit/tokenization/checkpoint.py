"""Tokenizer files on disk: their names, which of them a checkpoint directory is loaded from, and
writing them (``vocab.txt``, ``tokenizer.json``, ``tokenizer_config.json``).

>>> sorted(json.loads(Path(tok.save(tempfile.mkdtemp())[CONFIG_FILE]).read_text())["bertkit"])
['lowercase', 'mode', 'strip_accents']
>>> _normalizer_lowercases({"type": "Sequence", "normalizers": [{"type": "Lowercase"}]})
True
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any, Protocol, TypeVar

import tokenizers

from bertkit.errors import TokenizerError
from bertkit.tokenization.backend import MODES, Backend

CONFIG_FILE = "tokenizer_config.json"
VOCAB_FILE = "vocab.txt"
TOKENIZER_FILE = "tokenizer.json"


class _Loaded(Protocol):
    """What :func:`_load_directory` reads of a tokenizer it built."""

    @property
    def lowercase(self) -> bool: ...


_T = TypeVar("_T", bound=_Loaded)


class _Factory(Protocol[_T]):
    """The constructors :func:`_load_directory` calls: those of :class:`Tokenizer`."""

    def from_vocab(
        self, path: str | Path, lowercase: bool = ..., mode: str = ..., strip_accents: Any = ...
    ) -> _T: ...

    def from_file(self, path: str | Path) -> _T: ...


def _load_directory(
    factory: _Factory[_T],
    path: Path,
    lowercase: bool | None = None,
    mode: str | None = None,
    strip_accents: Any = "unset",
) -> _T:
    """The tokenizer saved in ``path`` (a directory, or one file), built with ``factory``'s
    ``from_vocab`` or ``from_file``; see :meth:`Tokenizer.from_directory` for the rules.

    ``strip_accents="unset"`` reads it from the directory's settings; a value overrides them.
    """
    if mode is not None and mode not in MODES:
        raise TokenizerError(f"mode={mode!r} is not one of {', '.join(MODES)}")
    if path.is_file():
        if path.suffix == ".json":
            return factory.from_file(path)
        return factory.from_vocab(
            path,
            lowercase=True if lowercase is None else lowercase,
            mode=mode or "wordpiece",
            strip_accents=None if strip_accents == "unset" else strip_accents,
        )
    if not path.is_dir():
        raise TokenizerError(
            f"tokenizer directory {path} does not exist; pass the folder holding vocab.txt "
            f"or tokenizer.json"
        )
    config_path = path / CONFIG_FILE
    config = _read_json(config_path) if config_path.exists() else {}
    settings = config.get("bertkit")
    if not isinstance(settings, dict):
        settings = {}
    elif settings.get("mode") not in MODES:
        raise TokenizerError(
            f"{config_path} names bertkit mode={settings.get('mode')!r}; expected one of "
            f"{', '.join(MODES)}. Save the tokenizer again or fix the file"
        )
    vocab_file = path / VOCAB_FILE
    tokenizer_file = path / TOKENIZER_FILE
    tj: dict[str, Any] | None = None
    both = vocab_file.exists() and tokenizer_file.exists()
    if both and not settings and (
        mode is None or (lowercase is None and "do_lower_case" not in config)
    ):
        tj = _read_json(tokenizer_file)  # its model type and normalizer settle the rest
    if mode is None:
        mode = settings.get("mode")
    if mode is None:
        if vocab_file.exists() and (tj is None or (tj.get("model") or {}).get("type") == "WordPiece"):
            mode = "wordpiece"
        elif tokenizer_file.exists():
            mode = "tokenizer_json"
        else:
            found = sorted(p.name for p in path.iterdir())
            hint = ""
            if any(name.endswith(".model") for name in found):
                hint = (
                    " A SentencePiece .model file needs converting to tokenizer.json first "
                    "(transformers' AutoTokenizer.from_pretrained(...).save_pretrained(...) "
                    "does it)."
                )
            raise TokenizerError(
                f"no {VOCAB_FILE} or {TOKENIZER_FILE} in {path} (found: "
                f"{', '.join(found) or 'nothing'}).{hint}"
            )
    if mode == "tokenizer_json":
        if not tokenizer_file.exists():
            raise TokenizerError(
                f"mode='tokenizer_json' needs {tokenizer_file}, which is missing"
            )
        tok = factory.from_file(tokenizer_file)
        if lowercase is not None and bool(lowercase) != tok.lowercase:
            warnings.warn(
                f"lowercase={lowercase} is ignored: {tokenizer_file} defines its own "
                f"normalization (lowercase={tok.lowercase})",
                stacklevel=3,
            )
        return tok
    if not vocab_file.exists():
        raise TokenizerError(
            f"mode={mode!r} needs {vocab_file}, which is missing"
            + (
                f"; {tokenizer_file} exists: use mode='tokenizer_json' for it"
                if tokenizer_file.exists()
                else ""
            )
        )
    if lowercase is None:
        lowercase = settings.get("lowercase")
    if lowercase is None:
        lowercase = config.get("do_lower_case")
    if lowercase is None and tj is not None:
        lowercase = _normalizer_lowercases(tj.get("normalizer"))
    if lowercase is None:
        lowercase = True
    if strip_accents == "unset":
        if settings:
            strip_accents = settings.get("strip_accents")
        else:
            strip_accents = config.get("strip_accents")
        if not isinstance(strip_accents, bool):
            strip_accents = None
    if mode == "char":
        strip_accents = None
    return factory.from_vocab(
        vocab_file, lowercase=bool(lowercase), mode=mode, strip_accents=strip_accents
    )


def _read_json(path: Path) -> dict[str, Any]:
    """The JSON object in ``path``; a :class:`~bertkit.errors.TokenizerError` if it is not one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise TokenizerError(f"{path} is not valid JSON ({exc}); fix or delete it") from exc
    if not isinstance(data, dict):
        raise TokenizerError(f"{path} should hold a JSON object, found {type(data).__name__}")
    return data



def _normalizer_lowercases(spec: Any) -> bool | None:
    """Whether a ``tokenizer.json`` normalizer (as JSON) lowercases; ``None`` if no normalizer."""
    if not isinstance(spec, dict):
        return None
    kind = spec.get("type")
    if kind == "BertNormalizer":
        return bool(spec.get("lowercase", False))
    if kind == "Lowercase":
        return True
    if kind == "Sequence":
        return any(_normalizer_lowercases(s) for s in spec.get("normalizers", []))
    return False



def _write_vocab(inverse: list[str], directory: Path) -> dict[str, str]:
    """Write ``vocab.txt`` (token ``i`` on line ``i``); ``{file name: path}``."""
    target = directory / VOCAB_FILE
    target.write_text("\n".join(inverse) + "\n", encoding="utf-8")
    return {VOCAB_FILE: str(target)}


def _write_tokenizer_json(rust: tokenizers.Tokenizer, directory: Path) -> dict[str, str]:
    """Write the ``tokenizers`` pipeline as ``tokenizer.json``; ``{file name: path}``."""
    data = rust.to_str(pretty=True)
    target = directory / TOKENIZER_FILE
    target.write_text(data, encoding="utf-8")
    return {TOKENIZER_FILE: str(target)}


def _write_config(backend: Backend, directory: Path) -> dict[str, str]:
    """Write ``tokenizer_config.json``: the keys transformers reads and a ``"bertkit"`` section
    (mode, lowercase, strip_accents); keys already in the file are kept. ``{file name: path}``.
    """
    config_path = directory / CONFIG_FILE
    config: dict[str, Any] = {}
    if config_path.exists():
        try:
            old = json.loads(config_path.read_text(encoding="utf-8"))
            if isinstance(old, dict):
                config = old
        except (ValueError, UnicodeDecodeError):
            config = {}
    backend.hf_config(config)
    config["bertkit"] = {
        "mode": backend.mode,
        "lowercase": backend.lowercase,
        "strip_accents": backend.strip_accents_option,
    }
    config_path.write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return {CONFIG_FILE: str(config_path)}
