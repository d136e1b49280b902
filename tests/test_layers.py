"""The layering rule of docs/layers.md: no package imports one above it at run time.

Every module under app/ is parsed; every import it makes when it runs counts, at module
level or inside a function, class or `try`, except those under `if TYPE_CHECKING:` (they
never run). A module belongs to the layer of the longest name in `LAYERS` it starts with.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

#: Run in one pass only: the imports of the code are the same whatever the database.
pytestmark = pytest.mark.once

APP = Path(__file__).resolve().parents[1] / "app"

#: The layers, bottom first; a module may import its own layer and those below it.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("foundation", ("app.extensions", "app.core")),
    ("people", ("app.auth", "app.organisations")),
    ("groups", ("app.groups", "app.permissions")),
    ("invitations", ("app.invitations",)),
    ("library", ("app.documents",)),
    ("group work", ("app.meetings", "app.deliverables")),
    (
        "overviews",
        ("app.dashboard", "app.admin", "app.members", "app.site", "app.organisations.routes"),
    ),
    ("factory", ("app",)),
)


@dataclass(frozen=True)
class Violation:
    importer: str
    imported: str
    line: int

    def __str__(self) -> str:
        return (
            f"{self.importer} (layer {layer_name(self.importer)}) imports {self.imported} "
            f"(layer {layer_name(self.imported)}) on line {self.line}"
        )


def _layer(module: str) -> tuple[int, str]:
    best: tuple[int, int, str] | None = None  # (length of the prefix, rank, name)
    for rank, (name, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and (
                best is None or len(prefix) > best[0]
            ):
                best = (len(prefix), rank, name)
    if best is None:
        raise KeyError(f"{module} is in no layer: add it to LAYERS and docs/layers.md")
    return best[1], best[2]


def layer_rank(module: str) -> int:
    return _layer(module)[0]


def layer_name(module: str) -> str:
    return _layer(module)[1]


def module_name(root: Path, path: Path) -> str:
    """Return the dotted name of the module at `path`, `root` being the top package."""
    parts = [root.name, *path.relative_to(root).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(root: Path, dotted: str) -> bool:
    relative = Path(*dotted.split(".")[1:]) if "." in dotted else Path()
    base = root / relative
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class _Imports(ast.NodeVisitor):
    """Collect (module imported, line) for every import that runs."""

    def __init__(self, root: Path, module: str, is_package: bool) -> None:
        self.root = root
        self.package = module if is_package else module.rpartition(".")[0]
        self.found: list[tuple[str, int]] = []

    def visit_If(self, node: ast.If) -> None:
        if _is_type_checking(node.test):
            for child in node.orelse:  # only the `else:` of `if TYPE_CHECKING:` runs
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        self.found.extend((alias.name, node.lineno) for alias in node.names)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            base_parts = self.package.split(".")
            base_parts = base_parts[: len(base_parts) - (node.level - 1)]
            base = ".".join([*base_parts, *([node.module] if node.module else [])])
        else:
            base = node.module or ""
        for alias in node.names:
            candidate = f"{base}.{alias.name}"
            target = candidate if _is_module(self.root, candidate) else base
            self.found.append((target, node.lineno))


def runtime_imports(root: Path, path: Path) -> list[tuple[str, int]]:
    """Return the modules of `root`'s package that the module at `path` imports at run time."""
    module = module_name(root, path)
    visitor = _Imports(root, module, path.name == "__init__.py")
    visitor.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
    top = root.name
    ours = [(name, line) for name, line in visitor.found if name.split(".")[0] == top]
    return list(dict.fromkeys(ours))  # `from m import A, B` is one import of m


def violations(root: Path) -> list[Violation]:
    """Return every import of a module from a higher layer, in every module under `root`."""
    found = []
    for path in sorted(root.rglob("*.py")):
        importer = module_name(root, path)
        for imported, line in runtime_imports(root, path):
            if layer_rank(imported) > layer_rank(importer):
                found.append(Violation(importer, imported, line))
    return found


# The portal ---------------------------------------------------------------------------------


def test_no_package_imports_a_higher_one():
    """Imports point down the layers (docs/layers.md), at module level and in functions."""
    assert [str(v) for v in violations(APP)] == []


def test_every_package_has_a_layer():
    """A new package must be placed in a layer (here and in docs/layers.md) before it is used."""
    for path in APP.rglob("*.py"):
        layer_rank(module_name(APP, path))  # raises KeyError for a module in no layer
    packages = {p.name for p in APP.iterdir() if (p / "__init__.py").is_file()}
    named = {
        prefix.split(".")[1] for _name, prefixes in LAYERS for prefix in prefixes if "." in prefix
    }
    assert packages <= named


def test_the_docs_name_every_layer():
    """docs/layers.md shows each layer with its packages."""
    text = (APP.parent / "docs" / "layers.md").read_text(encoding="utf-8")
    for _name, prefixes in LAYERS:
        for prefix in prefixes:
            assert prefix.removeprefix("app.") in text, prefix


# The checker itself, on a small tree ----------------------------------------------------------


def write(root: Path, relative: str, source: str = "") -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source, encoding="utf-8")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """An `app` package with core, auth and groups, whose imports all point down."""
    root = tmp_path / "app"
    write(root, "__init__.py", "def create_app():\n    from app.groups import routes\n")
    write(root, "core/__init__.py")
    write(root, "core/mail.py")
    write(root, "auth/__init__.py")
    write(root, "auth/models.py", "from app.core import mail\n")
    write(root, "groups/__init__.py")
    write(root, "groups/models.py", "from app.auth.models import User\n")
    write(root, "groups/routes.py", "from . import models\nfrom ..auth import models as auth\n")
    return root


def test_a_clean_tree_passes(tree):
    assert violations(tree) == []


def test_an_upward_import_in_a_function_is_found(tree):
    """The kind of import that hides best: inside a function, run only when it is called."""
    write(
        tree,
        "auth/services.py",
        "import json\n\n\ndef export(user):\n    from app.groups.models import Membership\n",
    )
    assert violations(tree) == [Violation("app.auth.services", "app.groups.models", 5)]


def test_upward_imports_of_every_spelling_are_found(tree):
    """`import a.b`, `from a import module`, a relative import, and one inside `try`."""
    write(
        tree,
        "core/mail.py",
        "import app.auth.models\nfrom app import groups\nfrom ..auth import models\n"
        "try:\n    from app.groups.models import X\nexcept ImportError:\n    pass\n",
    )
    assert violations(tree) == [
        Violation("app.core.mail", "app.auth.models", 1),
        Violation("app.core.mail", "app.groups", 2),
        Violation("app.core.mail", "app.auth.models", 3),
        Violation("app.core.mail", "app.groups.models", 5),
    ]


def test_imports_for_type_checking_only_are_ignored(tree):
    """They never run; the `else:` branch of the same `if` does run, and counts."""
    write(
        tree,
        "auth/models.py",
        "from typing import TYPE_CHECKING\nimport typing\n\n"
        "if TYPE_CHECKING:\n    from app.groups.models import Membership\n"
        "if typing.TYPE_CHECKING:\n    from app.groups.models import Membership\n"
        "else:\n    from app.groups import models\n",
    )
    assert violations(tree) == [Violation("app.auth.models", "app.groups.models", 9)]


def test_a_module_in_no_layer_is_an_error(tree):
    """A module name no layer covers cannot be judged: it is refused, not let through."""
    with pytest.raises(KeyError):
        layer_rank("elsewhere.module")


def test_a_more_precise_name_wins(tree):
    """`app.organisations.routes` sits higher than the rest of its package."""
    assert layer_rank("app.organisations.routes") > layer_rank("app.organisations.services")
    assert layer_rank("app.organisations.services") == layer_rank("app.auth.models")
