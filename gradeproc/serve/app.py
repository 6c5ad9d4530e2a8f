"""The web page's routes: upload, grade through the library, hand each result out once.

No grading happens here: `api.process` and `api.export_registrar` (and `explain`) do the work
exactly as for the command line, on a copy of the upload in a private folder.
"""

from __future__ import annotations

import re
import secrets
import shutil
import threading
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import anyio
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, RedirectResponse
from starlette.responses import Response as StarletteResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gradeproc import api
from gradeproc.canvas_export import export_canvas
from gradeproc.errors import GradeprocError
from gradeproc.explain import explain_student
from gradeproc.serve import render
from gradeproc.serve.store import DEFAULT_TTL_SECONDS, Job, Store

STATIC = Path(__file__).parent / "static"
COOKIE = "gradeproc_token"
DEFAULT_MAX_BYTES = 25 * 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"

SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        b"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        b"frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]

NO_ACCESS = (
    "This page needs its access token: open the address `gradeproc serve` printed "
    "(it ends in ?token=...)."
)
INTERNAL = (
    "Error: gradeproc could not grade this file because of a fault in gradeproc itself; "
    "nothing was kept. Try `gradeproc process` on it with --debug to see more."
)
GONE = "This result is no longer here (it was downloaded already or has expired); drop the gradebook again."


# --- The downloads a graded gradebook offers, in the page's order. ----------------------------


def _registrar(profile: str) -> Callable[[Path, Path], None]:
    def make(book: Path, out: Path) -> None:
        api.export_registrar(book, out, registrar_format=profile)

    return make


def _canvas(book: Path, out: Path) -> None:
    export_canvas(book, out)


@dataclass(frozen=True)
class Download:
    """One file the page offers: `make(book, out)` writes it (None: `process` writes it)."""

    key: str
    label: str
    suffix: str  # after the gradebook's name: fall.xlsx -> fall.graded.xlsx
    media_type: str
    make: Callable[[Path, Path], None] | None = None


DOWNLOADS: tuple[Download, ...] = (
    Download("workbook", "Graded workbook (.xlsx)", ".graded.xlsx", XLSX),
    Download("registrar", "Registrar CSV, generic", ".registrar.csv", CSV),
    Download(
        "banner", "Registrar file, Banner (.xlsx)", ".banner.xlsx", XLSX, _registrar("banner")
    ),
    Download("canvas", "Canvas import (Override Score)", ".canvas.csv", CSV, _canvas),
)


# --- Headers on every response. ---------------------------------------------------------------


class SecurityHeaders:
    """A strict Content-Security-Policy and friends on every response, static files included.

    Also the last catch: a fault anywhere below becomes a plain 500 answer, and is not raised
    on to the server, whose log would print the exception (and any student data in it).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in SECURITY_HEADERS if k not in names]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        started = False

        async def send_noting_start(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send_with_headers(message)

        try:
            await self.app(scope, receive, send_noting_start)
        except Exception:
            if not started:
                await _error(500, INTERNAL)(scope, receive, send_with_headers)


# --- The upload. ------------------------------------------------------------------------------


class TooLarge(Exception):
    pass


def _limit_text(max_bytes: int) -> str:
    mb = max_bytes / (1024 * 1024)
    return f"{mb:g} MB" if mb >= 1 else f"{max_bytes:,} bytes"


def too_large_message(max_bytes: int) -> str:
    return (
        f"Error: this file is larger than the {_limit_text(max_bytes)} this page accepts; "
        f"nothing was kept. Grade it with `gradeproc process` instead."
    )


_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]")


def safe_name(filename: str | None) -> str:
    """The upload's own file name, made safe to create in a folder: no path, no control chars."""
    name = _UNSAFE.sub("_", (filename or "").replace("\\", "/").rsplit("/", 1)[-1]).strip()
    name = name.lstrip(".")[-120:]
    return name or "gradebook.xlsx"


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"ok": False, "error": message, "groups": []}, status_code=status)


async def _counted(request: Request, max_bytes: int) -> AsyncGenerator[bytes, None]:
    seen = 0
    async for chunk in request.stream():
        seen += len(chunk)
        if seen > max_bytes:
            raise TooLarge
        yield chunk


def _stem(name: str) -> str:
    return name[:-5] if name.lower().endswith(".xlsx") else name


def _grade(store: Store, folder: Path, book: Path) -> dict[str, object]:
    """Grade in a worker thread: the library's own `process`, then each extra download."""
    out = folder / "out"
    out.mkdir()
    paths = {d.key: out / f"{_stem(book.name)}{d.suffix}" for d in DOWNLOADS}
    result = api.process(book, output=paths["workbook"], registrar=paths["registrar"])
    offered: list[dict[str, object]] = []
    ready: dict[str, Path] = {}
    for d in DOWNLOADS:
        item: dict[str, object] = {"key": d.key, "label": d.label, "name": paths[d.key].name}
        if d.make is not None:
            try:
                d.make(book, paths[d.key])
            except GradeprocError as error:
                item["problems"] = render.problems(error)
        if "problems" not in item:
            ready[d.key] = paths[d.key]
        offered.append(item)
    job = store.add(folder, book, ready)
    return render.graded(result, offered, job.id)


def create_app(
    token: str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    ttl: float = DEFAULT_TTL_SECONDS,
    clock: Callable[[], float] | None = None,
    workers: int = 2,
) -> Starlette:
    """The ASGI app. Every page and API call needs `token` (cookie or `Authorization: Bearer`)."""
    store = Store(ttl, clock) if clock else Store(ttl)
    busy = threading.BoundedSemaphore(workers)

    def allowed(request: Request) -> bool:
        given = request.cookies.get(COOKIE, "")
        header = request.headers.get("authorization", "")
        if header.lower().startswith("bearer "):
            given = header[7:].strip()
        return secrets.compare_digest(given.encode(), token.encode())

    async def page(request: Request) -> StarletteResponse:
        offered = request.query_params.get("token")
        if offered is not None:
            if not secrets.compare_digest(offered.encode(), token.encode()):
                return PlainTextResponse(NO_ACCESS, status_code=401)
            response = RedirectResponse("/", status_code=303)  # the token leaves the address bar
            response.set_cookie(COOKIE, token, httponly=True, samesite="strict", path="/")
            return response
        if not allowed(request):
            return PlainTextResponse(NO_ACCESS, status_code=401)
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")

    async def config(request: Request) -> StarletteResponse:
        if not allowed(request):
            return _error(401, NO_ACCESS)
        return JSONResponse(
            {"max_bytes": max_bytes, "max_text": _limit_text(max_bytes), "ttl_seconds": ttl}
        )

    async def grade(request: Request) -> StarletteResponse:
        if not allowed(request):
            return _error(401, NO_ACCESS)
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > max_bytes):
            return _error(413, too_large_message(max_bytes))
        if not request.headers.get("content-type", "").startswith("multipart/form-data"):
            return _error(400, "Error: send the gradebook as a file upload (field `book`).")
        folder = store.new_folder()
        kept = False
        try:
            parser = MultiPartParser(
                request.headers, _counted(request, max_bytes), max_files=1, max_fields=4
            )
            try:
                form = await parser.parse()
            except TooLarge:
                return _error(413, too_large_message(max_bytes))
            except MultiPartException:
                return _error(400, "Error: the upload was cut short or malformed; try again.")
            upload = form.get("book")
            if not isinstance(upload, UploadFile):
                return _error(400, "Error: choose one .xlsx gradebook to grade.")
            (folder / "in").mkdir()
            book = folder / "in" / safe_name(upload.filename)
            with book.open("wb") as fh:
                while chunk := await upload.read(1 << 20):
                    fh.write(chunk)
            await upload.close()

            def work() -> dict[str, object]:
                with busy:
                    return _grade(store, folder, book)

            try:
                answer = await anyio.to_thread.run_sync(work)
            except GradeprocError as error:
                return JSONResponse(render.problems(error), status_code=422)
            except Exception:  # a fault in gradeproc: say so, keep serving, log nothing
                return _error(500, INTERNAL)
            kept = True
            return JSONResponse(answer)
        finally:
            if not kept:
                shutil.rmtree(folder, ignore_errors=True)

    def _job(request: Request) -> Job | None:
        return store.get(request.path_params["job"])

    async def download(request: Request) -> StarletteResponse:
        if not allowed(request):
            return _error(401, NO_ACCESS)
        key = request.path_params["key"]
        spec = next((d for d in DOWNLOADS if d.key == key), None)
        taken = store.take_download(request.path_params["job"], key) if spec else None
        if spec is None or taken is None:
            return _error(410, f"Error: {GONE}")
        job, data = taken
        name = f"{_stem(job.book.name)}{spec.suffix}"
        ascii_name = name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
        disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
        return StarletteResponse(
            data, media_type=spec.media_type, headers={"content-disposition": disposition}
        )

    async def explain(request: Request) -> StarletteResponse:
        if not allowed(request):
            return _error(401, NO_ACCESS)
        job = _job(request)
        if job is None:
            return _error(410, f"Error: {GONE}")
        student = request.query_params.get("student", "")

        def work() -> str:
            with job.lock:
                if job.graded is None:
                    with busy:
                        job.graded = api.grade_file(job.book)
                workbook, gradebook, grading = job.graded
            return "\n".join(explain_student(workbook, gradebook, grading, student))

        try:
            text = await anyio.to_thread.run_sync(work)
        except GradeprocError as error:
            return _error(404, f"Error: {error.message}")
        except Exception:
            return _error(500, INTERNAL)
        return JSONResponse({"ok": True, "text": text})

    async def forget(request: Request) -> StarletteResponse:
        if not allowed(request):
            return _error(401, NO_ACCESS)
        store.forget(request.path_params["job"])
        return JSONResponse({"ok": True})

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async def sweeper() -> None:
            while True:
                await anyio.sleep(min(30.0, max(ttl / 4, 1.0)))
                store.sweep()

        try:
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(sweeper)
                yield
                tasks.cancel_scope.cancel()
        finally:
            store.close()

    app = Starlette(
        routes=[
            Route("/", page),
            Route("/api/config", config),
            Route("/api/grade", grade, methods=["POST"]),
            Route("/api/jobs/{job}/files/{key}", download),
            Route("/api/jobs/{job}/explain", explain),
            Route("/api/jobs/{job}", forget, methods=["DELETE"]),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
        lifespan=lifespan,
    )
    app.add_middleware(SecurityHeaders)
    app.state.store = store
    return app
