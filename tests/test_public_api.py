"""What users reach stays reachable: every name in ``bertkit.__all__``, every import path and
dotted name the README shows, and every command line the README shows (parsed, not run) —
each checked in a fresh process, as a user's script would meet them."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")

#: bertkit.__all__ as of the task-contract change; names may be added, never removed
PUBLIC_NAMES = [
    "BertBackbone", "BertConfig", "Tokenizer", "TFCheckpointReader",
    "TextExamples", "StreamingExamples", "LabelMap", "load_examples", "build_dataset",
    "TextClassifier", "Learner", "DocumentClassifier", "Predictor", "load_predictor",
    "TokenTagger", "TaggingLearner", "TaggingPredictor", "TaggedExamples",
    "TextRegressor", "RegressionLearner", "RegressionPredictor",
    "SpanExtractor", "SpanLearner", "load_span_examples",
    "RelationExtractor", "RelationLearner", "load_relation_examples",
    "MultiHeadExamples", "MultiHeadClassifier", "MultiHeadLearner", "MultiHeadPredictor",
    "load_backbone", "load_tokenizer", "save_backbone", "export_huggingface", "detect_format",
    "read_tf_checkpoint",
    "BertkitError", "CheckpointError", "CheckpointNotFoundError", "ConfigError", "TokenizerError",
]

#: resolves a dotted name: the longest importable module prefix, then attributes
RESOLVE = """
import importlib, json, sys
failed = []
for dotted in json.loads(sys.argv[1]):
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
            break
        except ModuleNotFoundError:
            continue
    try:
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
    except AttributeError as err:
        failed.append(f"{dotted}: {err}")
print(json.dumps(failed))
"""


def run_fresh(code: str, *args: str) -> str:
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def code_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def inline_code() -> list[str]:
    """The README's `inline code` spans (fenced blocks left out)."""
    prose = re.sub(r"```.*?```", "", README, flags=re.S)
    return [" ".join(code.split()) for code in re.findall(r"`([^`]+)`", prose)]


def readme_dotted_names() -> set[str]:
    """``bertkit.x.y`` in code and inline code, and every ``from bertkit.x import a, b``."""
    text = "\n".join(code_blocks("python")) + "\n" + "\n".join(inline_code())
    names = set(re.findall(r"\bbertkit(?:\.[A-Za-z_]\w*)+", text))
    imports = re.findall(r"from (bertkit[\w.]*) import \(([^)]*)\)", text)
    imports += re.findall(r"from (bertkit[\w.]*) import ([^(\n#]+)", text)
    for module, imported in imports:
        names |= {f"{module}.{name.strip()}" for name in imported.split(",") if name.strip()}
    return names


def readme_command_lines() -> list[str]:
    lines = [line for block in code_blocks("bash") for line in block.splitlines()
             if line.startswith("bertkit ")]
    return lines + [code for code in inline_code() if code.startswith("bertkit ")]


def test_every_public_name_imports_in_a_fresh_process():
    out = run_fresh("import bertkit, json; print(json.dumps(bertkit.__all__)); "
                    "[getattr(bertkit, n) for n in bertkit.__all__]")
    assert set(PUBLIC_NAMES) <= set(json.loads(out))


def test_every_dotted_name_in_the_readme_resolves():
    names = sorted(readme_dotted_names())
    assert len(names) > 25  # the README shows the API; a broken regex must not pass quietly
    assert json.loads(run_fresh(RESOLVE, json.dumps(names))) == []


def test_every_command_line_in_the_readme_parses():
    lines = readme_command_lines()
    assert len(lines) > 15
    code = """
import json, shlex, sys
from bertkit.cli import build_parser
failed = []
for line in json.loads(sys.argv[1]):
    try:
        build_parser().parse_args(shlex.split(line, comments=True)[1:])
    except SystemExit:
        failed.append(line)
print(json.dumps(failed))
"""
    assert json.loads(run_fresh(code, json.dumps(lines))) == []
