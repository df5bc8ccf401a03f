"""The package map holds: who may import whom, read from the code's AST (imports inside
functions count too), plus the seams the README promises (registries, one option table)."""

from __future__ import annotations

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent / "launcher"
PACKAGES = ("cli", "sources", "delivery", "process", "dapr", "ops")
# package -> the packages it must never import ("shared" is the helpers at the top of launcher/)
FORBIDDEN = {
    "shared": set(PACKAGES),
    "sources": {"delivery", "process", "dapr", "ops", "cli"},
    "process": {"sources", "delivery", "dapr", "ops", "cli"},
    "delivery": {"process", "dapr", "ops", "cli"},
    "dapr": {"sources", "delivery", "process", "ops", "cli"},
    "ops": {"cli"},
    "cli": set(),
}


def package_of(module: str) -> str:
    """'launcher.sources.sso' -> 'sources'; a top-level helper -> 'shared'."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in PACKAGES else "shared"


def module_name(path: pathlib.Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(source: str, module: str, is_package: bool = False) -> set[str]:
    """Every launcher module `source` imports, anywhere in the file, as absolute names."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")[: len(module.split(".")) - node.level + (1 if is_package else 0)]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            found.add(stem)
            found.update(f"{stem}.{alias.name}" for alias in node.names)  # `from launcher import sources`
    return {name for name in found if name == "launcher" or name.startswith("launcher.")}


def violations(source: str, module: str, is_package: bool = False) -> list[str]:
    """`module`'s imports of packages its own package must never import (nothing may import cli)."""
    if module == "launcher.__main__":  # `python -m launcher`: the one way in besides the console script
        return []
    mine = package_of(module)
    out = set()
    for target in imported_modules(source, module, is_package):
        theirs = package_of(target)
        if theirs != mine and (theirs in FORBIDDEN[mine] or theirs == "cli"):
            out.add(f"{module} ({mine}) imports {target} ({theirs})")
    return sorted(out)


def all_modules():
    return sorted(ROOT.rglob("*.py"))


def test_no_package_imports_what_its_docstring_forbids():
    found = []
    for path in all_modules():
        module = module_name(path)
        found += violations(path.read_text(), module, path.name == "__init__.py")
    assert not found, "\n".join(found)


@pytest.mark.parametrize("source,module", [
    ("from launcher.delivery import exports", "launcher.sources.sso"),
    ("def f():\n    from launcher.dapr import tree", "launcher.process.supervisor"),
    ("from launcher import sources", "launcher.process.leftovers"),
    ("import launcher.process.platform", "launcher.delivery.server"),
    ("from launcher.cli import table", "launcher.ops.doctor"),
    ("from ..dapr import cmdline", "launcher.process.supervisor"),
    ("from launcher import sources", "launcher.errors"),
])
def test_the_rule_catches_each_kind_of_forbidden_import(source, module):
    assert violations(source, module)


def test_allowed_imports_pass():
    assert not violations("from launcher import errors, logs\nfrom launcher.sources import Request",
                          "launcher.delivery.server")
    assert not violations("from launcher.cli import table", "launcher.cli.fastpath")
    assert not violations("from launcher.cli.entry import main", "launcher.__main__")


@pytest.mark.parametrize("package", PACKAGES)
def test_each_package_says_what_it_owns_and_what_it_never_imports(package):
    doc = ast.get_docstring(ast.parse((ROOT / package / "__init__.py").read_text()))
    assert doc and "never" in doc.lower(), package


def test_modules_stay_small():
    big = [f"{module_name(p)}: {n} lines" for p in all_modules() if (n := len(p.read_text().splitlines())) > 320]
    assert not big, big


def test_every_package_is_on_the_readme_map():
    readme = (ROOT.parent / "README.md").read_text()
    section = readme[readme.index("## Development"):]
    for package in PACKAGES:
        assert f"`launcher/{package}/`" in section, package


def test_the_option_table_knows_every_source_option():
    from launcher import sources
    from launcher.cli import table

    assert set(table.SOURCE_KEYS) == set(sources.OPTION_KEYS)


def test_every_delivery_mode_opens_and_cli_offers_exactly_the_registry():
    import importlib

    from launcher import delivery
    from launcher.cli import table

    assert table.BY_KEY["mode"].choices == (delivery.AUTO, *delivery.MODES)
    for name, mode in delivery.MODES.items():
        module, _, cls = mode.channel.partition(":")
        channel = getattr(importlib.import_module(module), cls)
        assert all(hasattr(channel, m) for m in ("child_env", "describe", "close", "__enter__", "__exit__")), name
