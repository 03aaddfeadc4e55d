"""The source tree keeps its shape: small modules, and vocabularies through their enums.

A business rule split over a 600-line module, or an event kind typed as a string in one
more place, is how copies of a rule start to disagree; these tests stop both.
"""

import ast
import re
from pathlib import Path

import pytest

from contracts.models import Metric
from incidents.models import CloseReason, EventKind, Status
from portal.errors import RuleCode

ROOT = Path(__file__).resolve().parents[1]
APPS = ("portal", "contracts", "incidents", "tam", "reports")
MAX_LINES = 450
# The pure business-time engine is one algorithm, and its tests are its proofs.
LONG_BY_DESIGN = {Path("contracts/business_time.py"), Path("tests/contracts/test_business_time.py")}
ENUMS = {"event kind": EventKind, "rule code": RuleCode}
# Templates ask Python (a property, a filter, the context) instead of comparing codes.
TEMPLATE_ENUMS = {**ENUMS, "status": Status, "metric": Metric, "close reason": CloseReason}


def app_modules() -> list[Path]:
    return sorted(
        path.relative_to(ROOT)
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts
    )


def suite_modules() -> list[Path]:
    return sorted(p.relative_to(ROOT) for p in (ROOT / "tests").rglob("*.py"))


def templates() -> list[Path]:
    return sorted(p.relative_to(ROOT) for p in (ROOT / "templates").rglob("*") if p.is_file())


def too_long(paths: list[Path], limit: int = MAX_LINES) -> list[str]:
    found = []
    for path in paths:
        lines = len((ROOT / path).read_text().splitlines())
        if lines > limit and path not in LONG_BY_DESIGN:
            found.append(f"{path}: {lines} lines")
    return found


def _is_vocabulary(node: ast.ClassDef) -> bool:
    names = {getattr(base, "attr", getattr(base, "id", "")) for base in node.bases}
    return bool(names & {"TextChoices", "IntegerChoices", "Choices"})


def literals_in_python(source: str) -> list[tuple[int, str, str]]:
    """(line, vocabulary, value) for each string literal equal to a value of an enum, outside
    the enums' own definitions."""
    tree = ast.parse(source)
    inside_enums = {
        id(sub)
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef) and _is_vocabulary(node)
        for sub in ast.walk(node)
    }
    found = []
    for node in ast.walk(tree):
        if id(node) in inside_enums or not isinstance(node, ast.Constant):
            continue
        for name, enum in ENUMS.items():
            if isinstance(node.value, str) and node.value in enum.values:
                found.append((node.lineno, name, node.value))
    return found


def literals_in_template(text: str) -> list[tuple[str, str]]:
    found = []
    for match in re.finditer(r"""["']([a-z_]+)["']""", text):
        for name, enum in TEMPLATE_ENUMS.items():
            if match.group(1) in enum.values:
                found.append((name, match.group(1)))
    return found


def test_there_are_modules_to_check():
    modules = app_modules()
    assert Path("incidents/models.py") in modules
    assert Path("portal/errors.py") in modules
    assert not any("migrations" in p.parts for p in modules)


def test_no_app_module_is_over_450_lines():
    assert too_long(app_modules()) == []


def test_no_test_module_is_over_450_lines():
    assert too_long(suite_modules()) == []


def test_the_length_check_catches_a_long_module(tmp_path, monkeypatch):
    monkeypatch.setattr("tests.test_source_tree.ROOT", tmp_path)
    (tmp_path / "incidents").mkdir()
    (tmp_path / "incidents" / "bloated.py").write_text("x = 1\n" * (MAX_LINES + 1))
    (tmp_path / "incidents" / "fine.py").write_text("x = 1\n" * MAX_LINES)
    assert too_long([Path("incidents/bloated.py"), Path("incidents/fine.py")]) == [
        f"incidents/bloated.py: {MAX_LINES + 1} lines"
    ]


@pytest.mark.parametrize("path", app_modules(), ids=str)
def test_python_uses_the_enums_not_their_values(path):
    found = literals_in_python((ROOT / path).read_text())
    assert found == [], f"{path}: use the enum, not the string: {found}"


@pytest.mark.parametrize("path", templates(), ids=str)
def test_templates_do_not_compare_against_enum_values(path):
    found = literals_in_template((ROOT / path).read_text())
    assert found == [], f"{path}: let Python say it (a property or a filter): {found}"


def test_the_literal_check_catches_a_string_but_not_the_enum_itself():
    source = (
        "from django.db import models\n"
        "class EventKind(models.TextChoices):\n"
        "    FILED = 'filed', 'Filed'\n"
        "def record():\n"
        "    return 'sla_breach', EventKind.FILED, 'quota_exhausted', 'no such word'\n"
    )
    assert literals_in_python(source) == [
        (5, "event kind", "sla_breach"),
        (5, "rule code", "quota_exhausted"),
    ]
    assert literals_in_template('{% if e.kind == "status_changed" %}') == [
        ("event kind", "status_changed")
    ]
    assert literals_in_template("<option value='duplicate'>{% if s == \"closed\" %}") == [
        ("close reason", "duplicate"),
        ("status", "closed"),
    ]
