"""The architecture holds: the import-linter contracts in pyproject.toml (layers point down,
tasks reach the encoder only through the backbone interface, no cycles between siblings), no
import cycle between any two modules, every source file under 500 lines, every registered
task laid out the same way, and no print() in library code."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "bertkit"
sys.path.insert(0, str(ROOT / "scripts"))


def test_import_linter_contracts_hold():
    pytest.importorskip("importlinter")
    # In a process of its own: lint-imports reconfigures logging (dictConfig disables every
    # logger that exists, bertkit's too).
    done = subprocess.run([sys.executable, "-c", "import sys; from importlinter.cli import "
                           "lint_imports; sys.exit(lint_imports(no_cache=True, no_logo=True))"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


def test_no_module_is_part_of_an_import_cycle():
    grimp = pytest.importorskip("grimp")
    from architecture_report import strongly_connected

    graph = grimp.build_graph("bertkit")
    edges = {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    assert strongly_connected(edges) == []


def test_source_files_stay_under_500_lines():
    long = {str(p.relative_to(SRC)): n for p in SRC.rglob("*.py")
            if (n := p.read_text(encoding="utf-8").count("\n")) > 500}
    assert long == {}


def test_library_code_never_prints():
    """Only the command line writes to stdout with print(); the library logs."""
    offenders = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC)
        if rel.parts[0] == "cli" or path.name == "cli.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "print"):
                offenders.append(f"{rel}:{node.lineno}")
    assert offenders == []


def test_every_exception_class_lives_in_errors():
    public = []
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.ClassDef) and not node.name.startswith("_")
                    and path.name != "errors.py"
                    and any(getattr(b, "id", getattr(b, "attr", "")).endswith(("Error", "Exception"))
                            for b in node.bases)):
                public.append(f"{path.relative_to(SRC)}: {node.name}")
    # private control-flow exceptions, caught inside bertkit and turned into one of errors.py's
    # with the file and line added, are the only ones allowed elsewhere
    internal = ("LabelProblem", "RowProblem", "Malformed")
    assert all(name.split(": ")[1] in internal for name in public), public


def test_every_task_has_the_same_layout():
    from bertkit.prediction.registry import task_names, task_package

    for task in task_names():
        package = task_package(task)
        folder = Path(package.__file__).parent
        files = {p.name for p in folder.glob("*.py")}
        assert {"model.py", "learner.py", "predictor.py", "cli.py"} <= files, (task, files)
        assert package.PREDICTOR.task == task
        assert getattr(package.PREDICTOR, "model_class", None) is not None
        cli = importlib.import_module(package.__name__ + ".cli")
        assert hasattr(cli, "COMMANDS") and callable(cli.predict) and callable(cli.evaluate)


def test_architecture_report_runs(capsys):
    from architecture_report import main

    old = sys.argv
    sys.argv = ["architecture_report.py"]
    try:
        assert main() == 0
    finally:
        sys.argv = old
    out = capsys.readouterr().out
    assert "import cycles (strongly connected groups of modules): 0" in out
    assert "core -> task imports: 0" in out
