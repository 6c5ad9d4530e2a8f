"""The finding codes: one list, every code the package raises is on it, and the page matches."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

from gradeproc.codes import CATALOGUE, Code, Severity
from gradeproc.errors import ERROR, WARNING, Finding

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "make_codes_page.py"


def _script():
    spec = importlib.util.spec_from_file_location("make_codes_page", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_codes_page_is_up_to_date() -> None:
    page = ROOT / "docs" / "developers" / "codes.md"
    assert page.read_text(encoding="utf-8") == _script().render(), (
        "run python scripts/make_codes_page.py"
    )


def test_every_code_has_a_severity_and_a_meaning() -> None:
    assert list(CATALOGUE) == list(Code)
    for severity, meaning in CATALOGUE.values():
        assert severity in ("error", "warning", "error or warning")
        assert meaning and "|" not in meaning


def test_codes_and_severities_are_their_text() -> None:
    finding = Finding(Code.POINTS, "x", "Scores", "B2", WARNING)
    assert finding.to_dict() == {
        "code": "points",
        "message": "x",
        "sheet": "Scores",
        "cell": "B2",
        "severity": "warning",
    }
    assert ERROR == Severity.ERROR == "error"


def test_no_finding_is_raised_with_a_code_off_the_list() -> None:
    """A string written where a finding's code goes must be a listed code."""
    known = {code.value for code in Code}
    strays = []
    for path in sorted((ROOT / "gradeproc").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            if name in ("Finding", "finding") and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and first.value not in known:
                    strays.append(f"{path.name}:{node.lineno} {first.value!r}")
    assert strays == []
