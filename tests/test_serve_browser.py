"""`gradeproc serve` in a real headless Chromium (Debian's), driven by Playwright.

Playwright's own browser download is never used: the tests launch /usr/bin/chromium and skip,
saying so, where it is not installed. Set GRADEPROC_SCREENSHOTS to a folder to keep the
screenshots (docs/serve.png is one of them).
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(
        f"no Chromium at {CHROMIUM}: install the Debian packages chromium and chromium-driver",
        allow_module_level=True,
    )
pytest.importorskip("starlette", reason="the web extra is not installed")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

import uvicorn  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

from gradeproc.api import process  # noqa: E402
from gradeproc.serve import create_app  # noqa: E402
from gradeproc.serve.run import bind  # noqa: E402
from tests.helpers import syllabus_sheets, write_book  # noqa: E402

SAMPLE = Path(__file__).parent.parent / "sample_data" / "fall2024_optml.xlsx"
TOKEN = "browser-test-token"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Waits end as soon as the page is ready; the long ceiling is only for a loaded machine, where
# grading the sample can take many seconds. Nothing asserts how long anything takes.
PATIENCE_MS = 180_000
expect.set_options(timeout=PATIENCE_MS)
LETTERS = ["A", "A-", "B+", "B", "B-", "C+", "C", "C-", "D", "Fail", "I"]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """The app under uvicorn on a free loopback port, in a thread; its origin."""
    sock = bind("127.0.0.1", 0)
    config = uvicorn.Config(create_app(TOKEN), access_log=False, log_level="warning")
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    started = threading.Event()
    while not started.wait(0.05):  # polls until uvicorn says it listens; no time limit asserted
        if instance.started:
            started.set()
        assert thread.is_alive(), "uvicorn stopped before it started"
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    instance.should_exit = True
    thread.join()
    sock.close()


@pytest.fixture(scope="module")
def browser():
    """Chromium with a fresh profile: Playwright's `launch` gives it a new temporary one."""
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where screenshots go: GRADEPROC_SCREENSHOTS when set, else the test's own folder."""
    folder = Path(os.environ.get("GRADEPROC_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def open_page(browser, server: str, *, width: int = 1280, height: int = 900, scale: float = 1):
    context = browser.new_context(
        viewport={"width": width, "height": height},
        device_scale_factor=scale,
        accept_downloads=True,
    )
    context.set_default_timeout(PATIENCE_MS)
    page = context.new_page()
    page.requests = []  # every address the page asks for
    page.console = []
    page.on("request", lambda r: page.requests.append(r.url))
    page.on("console", lambda m: page.console.append(m.text))
    page.goto(f"{server}/?token={TOKEN}")
    expect(page.locator("#drop")).to_be_visible()
    return page


def drop_file(page, path: Path) -> None:
    """Drop a file on the drop zone as a file manager would: a drop event with its bytes."""
    data = base64.b64encode(path.read_bytes()).decode()
    transfer = page.evaluate_handle(
        """([data, name]) => {
            const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], name));
            return transfer;
        }""",
        [data, path.name],
    )
    page.dispatch_event("#drop", "dragenter", {"dataTransfer": transfer})
    page.dispatch_event("#drop", "drop", {"dataTransfer": transfer})


def unsettled_sample(folder: Path) -> Path:
    """The sample with its letter_gap_rule left blank, as a new gradebook has it: the 93 gap
    is then a warning the page must show above the table."""
    book = openpyxl.load_workbook(SAMPLE)
    policy = book["Policy"]
    row = next(r for r in policy.iter_rows(min_row=2) if r[0].value == "letter_gap_rule")
    row[1].value = None
    folder.mkdir()
    path = folder / SAMPLE.name
    book.save(path)
    return path


def test_drop_the_sample_see_chart_and_table_download_the_workbook(
    browser, server: str, tmp_path: Path, shots: Path
) -> None:
    sample = unsettled_sample(tmp_path / "in")
    expected = process(sample, output=tmp_path / "expected.xlsx").grades
    page = open_page(browser, server)
    drop_file(page, sample)
    expect(page.locator("#result")).to_be_visible()
    expect(page.locator("#result-title")).to_have_text(
        "Graded 40 students: A 6, A- 6, B+ 4, B 5, B- 4, C+ 5, C 3, C- 2, D 3, Fail 1, I 1."
    )
    # Warnings sit above the table, in the command line's words.
    expect(page.locator("#warning-list li")).to_have_text(
        [
            "warning: Letters: no letter covers totals of exactly 93 (between A- and A); "
            'letter_gap_rule "higher" gives them A and flags them POLICY_GAP; to settle it, '
            "write letter_gap_rule (higher or lower) in the Policy sheet, or close the gap in "
            "the Letters sheet"
        ]
    )
    # The chart: drawn on the page, one bar per letter, its count over it.
    expect(page.locator("#chart svg rect.bar")).to_have_count(len(LETTERS))
    expect(page.locator("#chart svg text.letter")).to_have_text(LETTERS)
    expect(page.locator("#chart svg text.count")).to_have_text(
        ["6", "6", "4", "5", "4", "5", "3", "2", "3", "1", "1"]
    )
    # The table: every student, letters as graded, action flags highlighted.
    rows = page.locator("#grades tbody tr")
    expect(rows).to_have_count(40)
    ids = page.locator("#grades tbody td:first-child").all_inner_texts()
    assert ids == expected["Student ID"].tolist()
    letter_col = list(expected.columns).index("Letter") + 1
    letters = page.locator(f"#grades tbody td:nth-child({letter_col})").all_inner_texts()
    assert letters == expected["Letter"].tolist()
    action = page.locator("#grades tbody .flag.action").all_inner_texts()
    assert action and set(action) <= {"LATE_REJECTED", "MISSING", "BORDERLINE", "POLICY_GAP"}
    page.get_by_label("Only students who need action").check()  # the picture shows them
    page.set_viewport_size({"width": 1280, "height": 1180})
    page.screenshot(path=str(shots / "serve.png"), full_page=True)
    page.get_by_label("Only students who need action").uncheck()
    expect(rows).to_have_count(40)

    # The graded workbook downloads, and opens.
    with page.expect_download() as waiting:
        page.get_by_role("link", name=re.compile("Graded workbook")).click()
    download = waiting.value
    assert download.suggested_filename == "fall2024_optml.graded.xlsx"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    book = openpyxl.load_workbook(saved, read_only=True)
    assert book.sheetnames[0] == "Grades"
    grades = list(book["Grades"].iter_rows(values_only=True))
    assert [r[0] for r in grades[1:]] == expected["Student ID"].tolist()
    assert [r[letter_col - 1] for r in grades[1:]] == expected["Letter"].tolist()
    expect(page.locator("#downloads .done")).to_have_text(
        ["✓ Graded workbook (.xlsx) downloaded (fall2024_optml.graded.xlsx)"]
    )

    # Everything the page loaded came from gradeproc itself; the policy was never broken.
    assert page.requests and all(url.startswith(server) for url in page.requests)
    assert not [m for m in page.console if "Content Security Policy" in m]
    page.context.close()


def test_pick_a_file_sort_explain_and_notes_by_keyboard(browser, server: str) -> None:
    page = open_page(browser, server)
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "file"
    page.set_input_files("#file", SAMPLE)
    expect(page.locator("#result")).to_be_visible()

    # Sorting by Total with the keyboard, both ways.
    total = page.locator("#grades thead th", has_text="Total")
    total.locator("button").focus()
    page.keyboard.press("Enter")
    expect(total).to_have_attribute("aria-sort", "ascending")
    col = page.locator("#grades thead th").all_inner_texts().index("Total") + 1
    values = page.locator(f"#grades tbody td:nth-child({col})").all_inner_texts()
    numbers = [float(v) for v in values if v]
    assert numbers == sorted(numbers)
    page.keyboard.press("Enter")
    expect(total).to_have_attribute("aria-sort", "descending")
    values = page.locator(f"#grades tbody td:nth-child({col})").all_inner_texts()
    numbers = [float(v) for v in values if v]
    assert numbers == sorted(numbers, reverse=True)

    # Notes on demand.
    note = page.locator("#grades tbody td.notes", has_text="HW5: 3 days late").first
    expect(note).to_be_hidden()
    page.get_by_label("Show notes").check()
    expect(note).to_be_visible()

    # Only those who need action.
    page.get_by_label("Only students who need action").check()
    for flags in page.locator("#grades tbody tr").all():
        expect(flags.locator(".flag.action").first).to_be_visible()
    page.get_by_label("Only students who need action").uncheck()

    # A student's walk-through, opened with Enter, closed with Escape.
    page.get_by_role("button", name="How G00405642's grade was worked out").focus()
    page.keyboard.press("Enter")
    dialog = page.locator("#explain")
    expect(dialog).to_be_visible()
    expect(page.locator("#explain-text")).to_contain_text(
        "Grade explanation for Al-Sayed, Fatima (student ID G00405642, section 001)"
    )
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    page.context.close()


def test_a_broken_gradebook_shows_every_finding_by_sheet(
    browser, server: str, tmp_path: Path
) -> None:
    sheets = syllabus_sheets(
        [("S01", "Lovelace", "Ada"), ("S02", "Hopper", "Grace")], {"S01": ["9O", -5] + [90] * 7}
    )
    sheets["Categories"][1][1] = 40
    book = write_book(tmp_path / "broken.xlsx", sheets)
    page = open_page(browser, server)
    page.set_input_files("#file", book)
    expect(page.locator("#problems")).to_be_visible()
    expect(page.locator("#problems-headline")).to_have_text(
        "Error: 3 problems (Categories 1, Scores 2) found; nothing was written."
    )
    expect(page.locator("#problem-groups h3")).to_have_text(
        ["Categories (1 finding)", "Scores (2 findings)", "Letters (1 finding)"]
    )
    lines = page.locator("#problem-groups li").all_inner_texts()
    assert len(lines) == 4
    assert lines[3].startswith("warning: Letters: no letter covers totals of exactly 93")
    assert lines[1].startswith("Scores!B2: ")
    expect(page.locator("#problem-groups .cell").nth(1)).to_have_text("Scores!B2")
    expect(page.locator("#downloads a")).to_have_count(0)
    # Dropping a good gradebook next works as usual.
    drop_file(page, SAMPLE)
    expect(page.locator("#result")).to_be_visible()
    page.context.close()


def test_readable_at_200_percent_zoom(browser, server: str, shots: Path) -> None:
    """200 % zoom: half the CSS pixels at twice the density. Only the table scrolls sideways."""
    page = open_page(browser, server, width=640, height=450, scale=2)
    page.set_input_files("#file", SAMPLE)
    expect(page.locator("#result")).to_be_visible()
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1]  # the page itself does not scroll sideways
    box = page.locator("#chart svg").bounding_box()
    assert box is not None and box["width"] <= 640
    page.screenshot(path=str(shots / "serve-200.png"), full_page=False)
    page.context.close()


def test_the_downloaded_workbook_is_the_one_process_writes(
    browser, server: str, tmp_path: Path
) -> None:
    page = open_page(browser, server)
    copy = Path(shutil.copy(SAMPLE, tmp_path / "My Course.xlsx"))
    page.set_input_files("#file", copy)
    expect(page.locator("#result")).to_be_visible()
    with page.expect_download() as waiting:
        page.get_by_role("link", name=re.compile("Registrar CSV, generic")).click()
    assert waiting.value.suggested_filename == "My Course.registrar.csv"
    process(copy, output=tmp_path / "x.xlsx", registrar=tmp_path / "x.csv")
    assert Path(waiting.value.path()).read_bytes() == (tmp_path / "x.csv").read_bytes()
    page.context.close()
