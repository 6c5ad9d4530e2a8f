"""Write docs/developers/codes.md, the catalogue of finding codes, from gradeproc.codes.

    python scripts/make_codes_page.py

tests/test_codes.py fails when the page and the code list disagree.
"""

from __future__ import annotations

from pathlib import Path

from gradeproc.codes import CATALOGUE, Code

PAGE = Path(__file__).resolve().parent.parent / "docs" / "developers" / "codes.md"


def render() -> str:
    lines = [
        "# Finding codes",
        "",
        "Every problem gradeproc reports carries a code, shown by `validate --json` and",
        "`process --json`. Match on the code, not on the message: messages may be reworded.",
        "An error stops grading (or that one output); a warning is reported and grading goes on.",
        "This page is generated from `gradeproc/codes.py` by `scripts/make_codes_page.py`.",
        "",
        "| Code | Severity | Meaning |",
        "|---|---|---|",
    ]
    for code in Code:
        severity, meaning = CATALOGUE[code]
        lines.append(f"| `{code.value}` | {severity} | {meaning} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    PAGE.write_text(render(), encoding="utf-8")
    print(f"Wrote {PAGE}")
