"""Lower layers never import higher ones: the folders are the layers (README, "Layout").

Every import statement of every module is read (at any depth, type-checking ones included);
a module may import its own layer and the layers below it.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO

PACKAGE = REPO / "pipeline"
# Lowest first. A module belongs to the first layer whose prefix its dotted name starts with.
LAYERS = [
    ("compiled", ["pipeline._core"]),
    ("text", ["pipeline.text"]),
    ("core", ["pipeline.core"]),
    ("language", ["pipeline.language"]),
    ("io", ["pipeline.io"]),
    ("tools", ["pipeline.stages.boilerplate_model.train", "pipeline.stages.spun.train",
               "pipeline.stages.stuffing.train", "pipeline.evaluation", "pipeline.benchmark"]),
    ("stages", ["pipeline.stages"]),
    ("reports", ["pipeline.reports"]),
    ("run", ["pipeline.run"]),
    ("entry", ["pipeline.cli", "pipeline.__main__", "pipeline"]),
]
# The tools (make eval, make bench, training) sit above the run, which they drive.
ORDER = ["compiled", "text", "core", "language", "io", "stages", "reports", "run", "tools", "entry"]


def layer_of(module: str) -> str:
    for name, prefixes in LAYERS:
        if any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes):
            return name
    raise AssertionError(f"{module} is in no layer")


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(tree: ast.AST, module: str) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the importing package
                base = module.split(".")[: -node.level] if not module.endswith("__init__") else module.split(".")
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            # "from pipeline.stages import quality" imports the module pipeline.stages.quality
            found.update(f"{target}.{alias.name}" if target == "pipeline" or target.endswith(".stages") else target
                         for alias in node.names)
    return {name for name in found if name == "pipeline" or name.startswith("pipeline.")}


def upward_imports() -> list[str]:
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = module_name(path)
        own = ORDER.index(layer_of(module))
        for target in sorted(imported(ast.parse(path.read_text("utf-8")), module)):
            if ORDER.index(layer_of(target)) > own:
                wrong.append(f"{module} ({layer_of(module)}) imports {target} ({layer_of(target)})")
    return wrong


def test_no_module_imports_a_higher_layer():
    assert upward_imports() == []


def test_the_rule_catches_an_upward_import(tmp_path):
    tree = ast.parse("from pipeline.run.processor import build_pipeline\n")
    assert imported(tree, "pipeline.core.config") == {"pipeline.run.processor"}
    assert ORDER.index(layer_of("pipeline.run.processor")) > ORDER.index(layer_of("pipeline.core.config"))


def test_every_module_is_in_a_layer():
    # The compiled core is one extension module, built from rust/ (no .py file).
    assert {layer_of(module_name(path)) for path in PACKAGE.rglob("*.py")} | {"compiled"} == set(ORDER)
