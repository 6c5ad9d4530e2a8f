"""Starting the server: bind the socket first (so a busy port is a plain message), then uvicorn.

uvicorn's access log is off and its own log says only warnings, so no file name, student ID
or address of a result is ever written to the terminal or a log.
"""

from __future__ import annotations

import ipaddress
import secrets
import socket
import threading
import webbrowser
from collections.abc import Callable

import uvicorn

from gradeproc.errors import GradeprocError
from gradeproc.serve.app import DEFAULT_MAX_BYTES, create_app


class ServeProblem(GradeprocError):
    """The server cannot start as asked (a busy port, an address this machine doesn't have)."""

    exit_code = 2


def is_loopback(host: str) -> bool:
    """True for addresses only this computer can reach: 127.x.x.x, ::1, localhost."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def new_token() -> str:
    return secrets.token_urlsafe(24)


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as error:
        sock.close()
        reason = error.strerror or str(error)
        raise ServeProblem(
            f"cannot listen on {host} port {port} ({reason}); choose another --port or --host."
        ) from None
    sock.listen(128)
    return sock


def page_url(host: str, port: int, token: str) -> str:
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"http://{shown}:{port}/?token={token}"


def serve(
    host: str,
    port: int,
    token: str,
    *,
    open_browser: bool = True,
    max_bytes: int | None = None,
    say: Callable[[str], None] = print,
) -> None:
    """Serve the page until Ctrl-C. Raises ServeProblem when the address cannot be used."""
    sock = bind(host, port)
    port = sock.getsockname()[1]
    app = create_app(token, max_bytes=max_bytes or DEFAULT_MAX_BYTES)
    config = uvicorn.Config(
        app,
        access_log=False,
        log_level="warning",
        server_header=False,
        date_header=False,
        lifespan="on",
    )
    server = uvicorn.Server(config)
    url = page_url(host if host != "0.0.0.0" else socket.gethostname(), port, token)
    say(f"gradeproc serve: open {url}")
    say("Press Ctrl-C to stop; uploaded gradebooks and results are deleted when it stops.")
    if open_browser:
        threading.Timer(0.5, webbrowser.open, args=(url,)).start()
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
