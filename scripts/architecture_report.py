"""Print figures about bertkit's structure: import cycles, core->task imports, long files and
functions, and print() calls in library code.

    python scripts/architecture_report.py [--src src]

Import cycles are the strongly connected components of the module import graph (grimp, the
engine behind import-linter, which the test suite runs with the contracts in .importlinter).
"""

from __future__ import annotations

import argparse
import ast
import os
import sys
from pathlib import Path

CORE = ("tokenization", "backbone", "weights", "data", "training", "prediction")


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative; components of more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        out.append(sorted(component))
    return out


def import_figures() -> None:
    import grimp

    graph = grimp.build_graph("bertkit")
    edges = {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    cycles = strongly_connected(edges)
    print(f"import cycles (strongly connected groups of modules): {len(cycles)}")
    for group in cycles:
        print(f"  {len(group)} modules: {', '.join(group)}")
    core_to_task = []
    for module, imported in edges.items():
        parts = module.split(".")
        if len(parts) > 1 and parts[1] in CORE:
            core_to_task += [(module, m) for m in imported if m.startswith("bertkit.tasks")]
    print(f"core -> task imports: {len(core_to_task)}")
    for a, b in sorted(core_to_task):
        print(f"  {a} -> {b}")


def source_figures(src: Path) -> None:
    files = sorted((src / "bertkit").rglob("*.py"))
    long_files = []
    functions = []
    prints = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        lines = text.count("\n")
        rel = path.relative_to(src)
        if lines > 400:
            long_files.append((lines, str(rel)))
        tree = ast.parse(text)
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                functions.append((node.end_lineno - node.lineno + 1, f"{rel}:{node.lineno} {node.name}"))
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "print" and "cli" not in rel.parts
                    and path.name != "cli.py"):
                prints.append(f"{rel}:{node.lineno}")
    print(f"python files: {len(files)}; over 400 lines: {len(long_files)}; over 500: "
          f"{sum(1 for n, _ in long_files if n > 500)}")
    for n, name in sorted(long_files, reverse=True):
        print(f"  {n:5d}  {name}")
    print("largest functions:")
    for n, name in sorted(functions, reverse=True)[:5]:
        print(f"  {n:5d} lines  {name}")
    print(f"print() calls outside the CLI (bertkit.cli and the tasks' cli.py): {len(prints)}")
    for where in prints:
        print(f"  {where}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--src", default=str(Path(__file__).resolve().parent.parent / "src"))
    args = parser.parse_args()
    src = Path(args.src)
    sys.path.insert(0, str(src))
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import_figures()
    source_figures(src)
    return 0


if __name__ == "__main__":
    sys.exit(main())
