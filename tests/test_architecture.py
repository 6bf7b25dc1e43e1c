"""The structure the code keeps: every module in a layer, one clock, one transaction edge, one place for roles."""
from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
KUBE = ROOT / "kube"
#: Packages whose __init__ only holds a blueprint (or nothing): they contain layers but are none.
CONTAINERS = {"kube", "kube.auth", "kube.audit", "kube.groups", "kube.reports", "kube.ledger", "kube.monitoring",
              "kube.backup", "kube.privacy", "kube.history", "kube.pwa", "kube.overview"}


def _contracts() -> list[dict]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]


def _layer_modules() -> list[set[str]]:
    [layers] = [contract["layers"] for contract in _contracts() if contract["type"] == "layers"]
    return [{name.strip() for name in re.split(r"[:|]", layer)} for layer in layers]


def _kube_modules() -> set[str]:
    modules = set()
    for path in KUBE.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        modules.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return modules


def _python_sources() -> list[Path]:
    return sorted(KUBE.rglob("*.py"))


def test_every_module_belongs_to_exactly_one_layer():
    layers = _layer_modules()

    def homes(module: str) -> list[int]:
        return [index for index, layer in enumerate(layers)
                if any(module == name or module.startswith(name + ".") for name in layer)]

    for module in sorted(_kube_modules() - CONTAINERS):
        assert len(homes(module)) == 1, f"{module} belongs to layers {homes(module)}: add it to [tool.importlinter]"


def test_the_layer_contract_names_only_modules_that_exist():
    modules = _kube_modules()
    for layer in _layer_modules():
        for name in layer:
            assert name in modules, f"{name} is in a layer but no such module exists"


def test_only_the_clock_reads_the_time():
    """`date.today()`, `datetime.now()` and friends appear in kube.core.clock and nowhere else."""
    pattern = re.compile(r"\b(date\.today|datetime\.now|datetime\.utcnow|datetime\.today|time\.time)\(")
    offenders = [f"{path.relative_to(ROOT)}:{number}"
                 for path in _python_sources() if path != KUBE / "core" / "clock.py"
                 for number, line in enumerate(path.read_text().splitlines(), start=1)
                 if pattern.search(line.split("#")[0])]
    assert offenders == []


def test_only_the_transaction_edge_commits():
    """No `db.session.commit()` outside kube.core.transaction (savepoints inside operations aside)."""
    offenders = []
    for path in _python_sources():
        if path == KUBE / "core" / "transaction.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "commit"
                    and ast.unparse(node.func.value).endswith("session")):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


@pytest.mark.parametrize("literal", [
    r"\(ADMIN, OFFICER", r"\(\"admin\", \"officer\"", r"\('admin', 'officer'", r"STAFF_ROLES", r"MANAGERS = ",
])
def test_role_tuples_are_defined_once_in_the_roles_module(literal):
    pattern = re.compile(literal)
    offenders = [str(path.relative_to(ROOT)) for path in [*_python_sources(), *(ROOT / "templates").rglob("*.html")]
                 if path != KUBE / "auth" / "roles.py" and pattern.search(path.read_text())]
    assert offenders == []


def test_no_operation_reads_the_logged_in_user():
    """Operations are given the acting user; `current_user` belongs to views and the API."""
    offenders = [str(path.relative_to(ROOT)) for path in _python_sources()
                 if path.stem in ("operations", "queries") and "current_user" in path.read_text()]
    assert offenders == []
