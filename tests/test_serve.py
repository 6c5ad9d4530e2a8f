"""`gradeproc serve` through Starlette's test client: the same answers as the command line.

Every message the page shows is compared with what `gradeproc process` (or `explain`, or
`export registrar`) prints for the same file, so the two cannot drift apart.
"""

from __future__ import annotations

import io
import re
import shutil
import socket
from pathlib import Path

import openpyxl
import pytest

pytest.importorskip("starlette", reason="the web extra is not installed")
pytest.importorskip("multipart", reason="the web extra is not installed")

import anyio
from starlette.testclient import TestClient
from typer.testing import CliRunner

from gradeproc.cli import app as cli
from gradeproc.serve import app as web
from gradeproc.serve import create_app
from tests.helpers import syllabus_sheets, write_book
from tests.test_safety import mc

SAMPLE = Path(__file__).parent.parent / "sample_data" / "fall2024_optml.xlsx"
TOKEN = "test-token-1234"
AUTH = {"authorization": f"Bearer {TOKEN}"}
runner = CliRunner()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(clock: Clock):
    app = create_app(TOKEN, ttl=600, clock=clock)
    with TestClient(app, headers=AUTH) as c:
        yield c


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    return Path(shutil.copy(SAMPLE, tmp_path / SAMPLE.name))


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    students = [("S01", "Lovelace", "Ada"), ("S02", "Hopper", "Grace")]
    sheets = syllabus_sheets(students, {"S01": ["9O", -5] + [90] * 7})
    sheets["Categories"][1][1] = 40
    return write_book(tmp_path / "broken.xlsx", sheets)


def post(client: TestClient, path: Path, name: str | None = None):
    return client.post("/api/grade", files={"book": (name or path.name, path.read_bytes())})


def page_lines(answer: dict) -> list[str]:
    return [f["line"] for g in answer["groups"] for f in g["findings"]]


def cli_lines(args: list[str]) -> list[str]:
    """What the command line prints on stderr, without the two-space indent of findings."""
    result = runner.invoke(cli, args)
    return [line.removeprefix("  ") for line in result.stderr.splitlines()]


def store_folders(client: TestClient) -> list[Path]:
    return list(client.app.state.store.root.iterdir())


# --- Access. ----------------------------------------------------------------------------------


def test_the_page_needs_the_token() -> None:
    with TestClient(create_app(TOKEN)) as c:
        assert c.get("/").status_code == 401
        assert c.get("/").text == web.NO_ACCESS
        assert c.get("/?token=wrong", follow_redirects=False).status_code == 401
        answer = c.get(f"/?token={TOKEN}", follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"] == "/"
        cookie = answer.headers["set-cookie"]
        assert cookie.startswith(f"{web.COOKIE}={TOKEN};")
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie
        page = c.get("/")  # the cookie now carries the token
        assert page.status_code == 200
        assert page.headers["content-type"] == "text/html; charset=utf-8"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/config"),
        ("POST", "/api/grade"),
        ("GET", "/api/jobs/x/files/workbook"),
        ("GET", "/api/jobs/x/explain"),
        ("DELETE", "/api/jobs/x"),
    ],
)
def test_every_api_call_needs_the_token(method: str, path: str) -> None:
    with TestClient(create_app(TOKEN)) as c:
        for headers in ({}, {"authorization": "Bearer nope"}):
            answer = c.request(method, path, headers=headers)
            assert answer.status_code == 401
            assert answer.json()["error"] == web.NO_ACCESS


def test_the_page_has_no_inline_script_and_nothing_from_elsewhere(client: TestClient) -> None:
    html = client.get("/").text
    scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", html, re.S)
    assert scripts == [""]  # one script tag, empty: its code is a served file
    assert 'src="/static/app.js"' in html
    assert " style=" not in html and "<style" not in html
    for url in re.findall(r'(?:src|href)="([^"#]+)"', html):
        assert url.startswith("/static/"), url
        assert client.get(url).status_code == 200
    css = client.get("/static/app.css").text
    assert "@import" not in css and "http" not in css.replace("http://www.w3.org", "")
    assert "http" not in client.get("/static/app.js").text


@pytest.mark.parametrize(
    "path", ["/", "/static/app.js", "/api/config", "/api/jobs/x/files/workbook", "/nope"]
)
def test_security_headers_on_every_response(client: TestClient, path: str) -> None:
    headers = client.get(path).headers
    assert headers["content-security-policy"].startswith("default-src 'self'; script-src 'self';")
    assert "unsafe-inline" not in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["cache-control"] == "no-store"


# --- A gradebook that grades. -----------------------------------------------------------------


def test_the_sample_grades_as_the_command_line_grades_it(
    client: TestClient, sample: Path, tmp_path: Path
) -> None:
    answer = post(client, sample)
    assert answer.status_code == 200
    result = answer.json()
    out, csv_out = tmp_path / "cli.xlsx", tmp_path / "cli.csv"
    printed = runner.invoke(
        cli, ["process", str(sample), "-o", str(out), "--registrar", str(csv_out)]
    )
    assert printed.exit_code == 0
    assert result["summary"] == printed.stdout.splitlines()[0]
    assert [w["line"] for w in result["warnings"]] == printed.stderr.splitlines()
    assert result["warnings"] == []  # the sample settles its 93 gap in Policy: a Run note only

    # The table is the Grades sheet, row for row.
    sheet = openpyxl.load_workbook(out, read_only=True)["Grades"]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert result["table"]["columns"] == rows[0]
    assert len(result["table"]["rows"]) == 40
    blank = lambda v: None if v in (None, "") else v  # noqa: E731
    assert [[blank(v) for v in r] for r in result["table"]["rows"]] == [
        [blank(v) for v in r] for r in rows[1:]
    ]

    # The chart: one bar per letter of the Letters sheet (and I), with its count.
    counts = re.findall(r"<title>([^<:]+): (\d+)</title></rect>", result["chart"])
    assert counts == [
        ("A", "6"), ("A-", "6"), ("B+", "4"), ("B", "5"), ("B-", "4"), ("C+", "5"),
        ("C", "3"), ("C-", "2"), ("D", "3"), ("Fail", "1"), ("I", "1"),
    ]  # fmt: skip
    assert "<script" not in result["chart"] and " style=" not in result["chart"]

    # Downloads: the workbook, the generic CSV and Canvas's import; Banner says why it can't be
    # made.
    offered = {d["key"]: d for d in result["downloads"]}
    assert list(offered) == ["workbook", "registrar", "banner", "canvas"]
    assert offered["workbook"]["name"] == "fall2024_optml.graded.xlsx"
    book = client.get(f"/api/jobs/{result['job']}/files/workbook")
    assert book.status_code == 200
    assert book.headers["content-type"] == web.XLSX
    assert 'filename="fall2024_optml.graded.xlsx"' in book.headers["content-disposition"]
    graded = openpyxl.load_workbook(io.BytesIO(book.content), read_only=True)
    assert [list(r) for r in graded["Grades"].iter_rows(values_only=True)] == rows
    registrar = client.get(f"/api/jobs/{result['job']}/files/registrar")
    assert registrar.content == csv_out.read_bytes()

    banner = cli_lines(
        ["export", "registrar", str(sample), "-o", str(tmp_path / "b.xlsx"),
         "--registrar-format", "banner"]
    )  # fmt: skip
    problems = offered["banner"]["problems"]
    assert problems["error"] == banner[0]
    assert sorted(page_lines(problems)) == sorted(banner[1:])
    assert client.get(f"/api/jobs/{result['job']}/files/banner").status_code == 410
    canvas_out = tmp_path / "canvas.csv"
    assert (
        runner.invoke(cli, ["export", "canvas", str(sample), "-o", str(canvas_out)]).exit_code == 0
    )
    canvas = client.get(f"/api/jobs/{result['job']}/files/canvas")
    assert canvas.status_code == 200
    assert canvas.content == canvas_out.read_bytes()


def test_each_download_is_handed_out_once(client: TestClient, sample: Path) -> None:
    job = post(client, sample).json()["job"]
    assert client.get(f"/api/jobs/{job}/files/registrar").status_code == 200
    again = client.get(f"/api/jobs/{job}/files/registrar")
    assert again.status_code == 410
    assert again.json()["error"] == f"Error: {web.GONE}"
    assert not list(client.app.state.store.root.glob("*/out/*.registrar.csv"))
    assert list(client.app.state.store.root.glob("*/out/*.graded.xlsx"))  # not taken yet
    assert client.get(f"/api/jobs/{job}/files/nothing").status_code == 410


def test_explain_is_the_commands_walk_through(client: TestClient, sample: Path) -> None:
    job = post(client, sample).json()["job"]
    for student in ("G00405642", "00398127"):
        answer = client.get(f"/api/jobs/{job}/explain", params={"student": student})
        printed = runner.invoke(cli, ["explain", str(sample), student])
        assert answer.json() == {"ok": True, "text": printed.stdout.rstrip("\n")}
    unknown = client.get(f"/api/jobs/{job}/explain", params={"student": "X999"})
    assert unknown.status_code == 404
    assert unknown.json()["error"] == cli_lines(["explain", str(sample), "X999"])[0]


# --- Gradebooks that don't grade: every finding, exactly as printed; nothing kept. ------------


def test_a_broken_gradebook_lists_every_finding_by_sheet(client: TestClient, broken: Path) -> None:
    answer = post(client, broken)
    assert answer.status_code == 422
    result = answer.json()
    printed = cli_lines(["process", str(broken), "-o", str(broken.with_name("o.xlsx"))])
    assert (
        result["error"]
        == printed[0]
        == "Error: 3 problems (Categories 1, Scores 2) found; nothing was written."
    )
    assert sorted(page_lines(result)) == sorted(printed[1:])
    assert [g["sheet"] for g in result["groups"]][:2] == ["Categories", "Scores"]
    scores = result["groups"][1]["findings"]
    assert [f["location"] for f in scores] == ["Scores!B2", "Scores!C2"]
    for finding in scores:  # the parts the page lays out read as the whole line
        assert f"{finding['prefix']}{finding['location']}: {finding['message']}" == finding["line"]
    assert "downloads" not in result and "job" not in result
    assert store_folders(client) == []


HOSTILE = [
    "not_a_zip.xlsx",
    "truncated.xlsx",
    "renamed_xls.xlsx",
    "renamed_csv.xlsx",
    "password.xlsx",
    "zip_not_workbook.xlsx",
    "bomb.xlsx",
    "lying_header.xlsx",
    "billion_laughs.xlsx",
]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return mc.build(tmp_path_factory.mktemp("bad"))


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_files_are_refused_with_the_commands_words_and_the_server_goes_on(
    client: TestClient, corpus: dict[str, Path], sample: Path, name: str
) -> None:
    answer = post(client, corpus[name])
    assert answer.status_code == 422
    printed = cli_lines(["process", str(corpus[name]), "-o", str(sample.with_name("o.xlsx"))])
    assert answer.json()["error"] == printed[0]
    assert page_lines(answer.json()) == printed[1:]
    assert store_folders(client) == []
    assert post(client, sample).status_code == 200  # the next upload is graded as usual


def test_lost_features_are_warnings_above_the_table(client: TestClient, sample: Path) -> None:
    book = openpyxl.load_workbook(sample)
    book["Scores"]["B2"].comment = openpyxl.comments.Comment("regraded", "TA")
    book.save(sample)
    result = post(client, sample).json()
    printed = runner.invoke(cli, ["process", str(sample), "-o", str(sample.with_name("o.xlsx"))])
    assert [w["line"] for w in result["warnings"]] == printed.stderr.splitlines()
    assert "feature-lost" in [w["code"] for w in result["warnings"]]


def test_a_fault_in_gradeproc_is_a_message_not_a_crash(
    client: TestClient, sample: Path, monkeypatch: pytest.MonkeyPatch, caplog
) -> None:
    import gradeproc.api

    def broken_process(*args: object, **kwargs: object) -> None:
        raise RuntimeError("student G00405642 scored 86")

    with monkeypatch.context() as m:
        m.setattr(gradeproc.api, "process", broken_process)
        answer = post(client, sample)
    assert answer.status_code == 500
    assert answer.json()["error"] == web.INTERNAL
    assert "G00405642" not in caplog.text
    assert store_folders(client) == []
    assert post(client, sample).status_code == 200


def test_a_fault_outside_grading_is_answered_and_not_raised(
    client: TestClient, sample: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = post(client, sample).json()["job"]
    store = client.app.state.store

    def broken(*args: object) -> None:
        raise OSError("/tmp/gradeproc-serve-x/G00405642 is gone")

    with monkeypatch.context() as m:
        m.setattr(store, "take_download", broken)
        answer = client.get(f"/api/jobs/{job}/files/workbook")  # the client re-raises faults
    assert answer.status_code == 500
    assert answer.json()["error"] == web.INTERNAL
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert client.get(f"/api/jobs/{job}/files/workbook").status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"files": {"other": ("a.xlsx", b"x")}},  # no `book` field
        {"data": {"book": "just text"}},  # a field, not a file
        {"content": b"PK\x03\x04", "headers": {"content-type": "application/octet-stream"}},
        {
            "content": b'--xx\r\nContent-Disposition: form-data; name="book"; filename="a',
            "headers": {"content-type": "multipart/form-data; boundary=xx"},
        },
    ],
)
def test_malformed_uploads_are_refused(client: TestClient, sample: Path, body: dict) -> None:
    answer = client.post("/api/grade", **body)
    assert answer.status_code == 400
    assert answer.json()["error"].startswith("Error: ")
    assert store_folders(client) == []
    assert post(client, sample).status_code == 200


@pytest.mark.parametrize(
    ("given", "safe"),
    [
        ("fall.xlsx", "fall.xlsx"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\fall.xlsx", "fall.xlsx"),
        (".hidden.xlsx", "hidden.xlsx"),
        ("..", "gradebook.xlsx"),
        ("", "gradebook.xlsx"),
        (None, "gradebook.xlsx"),
        ("a\x00b:c.xlsx", "a_b_c.xlsx"),
        ("Été 2024.xlsx", "Été 2024.xlsx"),
    ],
)
def test_upload_names_stay_inside_the_private_folder(given: str | None, safe: str) -> None:
    assert web.safe_name(given) == safe


def test_the_upload_name_is_the_one_messages_use(client: TestClient, corpus) -> None:
    answer = post(client, corpus["not_a_zip.xlsx"], name="../Fall Grades.xlsx")
    assert answer.json()["error"].startswith("Error: Fall Grades.xlsx is not an Excel workbook")


# --- Size limit: refused before reading past it. ----------------------------------------------


def test_a_declared_length_over_the_limit_is_refused_unread(sample: Path) -> None:
    with TestClient(create_app(TOKEN, max_bytes=1000), headers=AUTH) as c:
        answer = post(c, sample)
        assert answer.status_code == 413
        assert answer.json()["error"] == (
            "Error: this file is larger than the 1,000 bytes this page accepts; nothing was "
            "kept. Grade it with `gradeproc process` instead."
        )
        assert store_folders(c) == []
        assert c.get("/api/config").json()["max_text"] == "1,000 bytes"


def asgi_upload(app, chunks: list[bytes], headers: list[tuple[bytes, bytes]]) -> tuple[int, int]:
    """Send an upload straight to the ASGI app; (status, how many chunks it read)."""
    read = 0
    status = 0

    async def receive() -> dict:
        nonlocal read
        if read < len(chunks):
            read += 1
            return {"type": "http.request", "body": chunks[read - 1], "more_body": True}
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    scope = {
        "type": "http",
        "http_version": "1.1",
        "method": "POST",
        "path": "/api/grade",
        "raw_path": b"/api/grade",
        "query_string": b"",
        "root_path": "",
        "scheme": "http",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 5000),
        "headers": headers,
    }
    anyio.run(app, scope, receive, send)
    return status, read


def test_a_streamed_upload_stops_being_read_at_the_limit() -> None:
    """No Content-Length (chunked): the bytes are counted and reading stops past the limit."""
    app = create_app(TOKEN, max_bytes=10_000)
    head = (
        b'--xx\r\nContent-Disposition: form-data; name="book"; filename="big.xlsx"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n"
    )
    chunks = [head] + [b"\0" * 4096] * 100 + [b"\r\n--xx--\r\n"]
    headers = [
        (b"authorization", f"Bearer {TOKEN}".encode()),
        (b"content-type", b"multipart/form-data; boundary=xx"),
        (b"transfer-encoding", b"chunked"),
    ]
    status, read = asgi_upload(app, chunks, headers)
    assert status == 413
    assert read == 4  # 97 + 3 x 4096 bytes is past 10,000: the rest is never read
    assert list(app.state.store.root.iterdir()) == []
    app.state.store.close()


def test_a_lying_content_length_is_still_counted() -> None:
    app = create_app(TOKEN, max_bytes=10_000)
    head = b'--xx\r\nContent-Disposition: form-data; name="book"; filename="big.xlsx"\r\n\r\n'
    chunks = [head] + [b"\0" * 4096] * 50
    headers = [
        (b"authorization", f"Bearer {TOKEN}".encode()),
        (b"content-type", b"multipart/form-data; boundary=xx"),
        (b"content-length", b"500"),
    ]
    status, read = asgi_upload(app, chunks, headers)
    assert (status, read) == (413, 4)
    app.state.store.close()


# --- Nothing kept. ----------------------------------------------------------------------------


def test_results_expire(client: TestClient, clock: Clock, sample: Path) -> None:
    job = post(client, sample).json()["job"]
    assert len(store_folders(client)) == 1
    clock.now += 599
    assert (
        client.get(f"/api/jobs/{job}/explain", params={"student": "G00405642"}).status_code == 200
    )
    clock.now += 1
    assert client.get(f"/api/jobs/{job}/files/workbook").status_code == 410
    assert (
        client.get(f"/api/jobs/{job}/explain", params={"student": "G00405642"}).status_code == 410
    )
    assert store_folders(client) == []


def test_grade_another_forgets_the_last_one(client: TestClient, sample: Path) -> None:
    job = post(client, sample).json()["job"]
    assert client.delete(f"/api/jobs/{job}").json() == {"ok": True}
    assert store_folders(client) == []
    assert client.get(f"/api/jobs/{job}/files/workbook").status_code == 410


def test_stopping_the_server_deletes_the_private_folder(sample: Path) -> None:
    app = create_app(TOKEN)
    root = app.state.store.root
    assert root.stat().st_mode & 0o777 == 0o700
    with TestClient(app, headers=AUTH) as c:
        assert post(c, sample).status_code == 200
        assert any(root.rglob("*.xlsx"))
    assert not root.exists()


# --- `gradeproc serve` on the command line. ---------------------------------------------------


def test_serve_refuses_another_host_without_a_token(monkeypatch: pytest.MonkeyPatch) -> None:
    import gradeproc.serve

    monkeypatch.setattr(gradeproc.serve, "new_token", lambda: "Zm9vYmFyYmF6")
    result = runner.invoke(cli, ["serve", "--host", "0.0.0.0", "--no-browser"])
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: --host 0.0.0.0 lets other computers reach the page, so it needs an access "
        "token: add --token Zm9vYmFyYmF6 (a new random one) or a token of your own.\n"
    )


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("192.168.1.5", False),
        ("grades.example.edu", False),
    ],
)
def test_loopback(host: str, loopback: bool) -> None:
    from gradeproc.serve import is_loopback

    assert is_loopback(host) is loopback


def test_serve_without_the_web_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "gradeproc.serve", None)
    result = runner.invoke(cli, ["serve", "--no-browser"])
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: `gradeproc serve` needs the web extra (gradeproc.serve is not installed): "
        'pip install "gradeproc[web]"\n'
    )


def test_serve_on_a_busy_port() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = runner.invoke(cli, ["serve", "--no-browser", "--port", str(port)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: cannot listen on 127.0.0.1 port {port} (Address already in use); "
        "choose another --port or --host.\n"
    )


def test_serve_starts_uvicorn_quietly(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    seen = {}

    def fake_run(self, sockets=None) -> None:
        seen["config"] = self.config
        seen["port"] = sockets[0].getsockname()[1]

    monkeypatch.setattr(uvicorn.Server, "run", fake_run)
    result = runner.invoke(cli, ["serve", "--no-browser", "--port", "0", "--token", "s3cret-token"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"gradeproc serve: open http://127.0.0.1:{seen['port']}/?token=s3cret-token",
        "Press Ctrl-C to stop; uploaded gradebooks and results are deleted when it stops.",
    ]
    config = seen["config"]
    assert config.access_log is False
    assert config.log_level == "warning"
