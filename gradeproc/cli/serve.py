"""`gradeproc serve`: the grading web page on this computer (needs the web extra)."""

from __future__ import annotations

from typing import Annotated

import typer

from gradeproc.cli.common import Debug, echo_err, fail
from gradeproc.errors import GradeprocError, Signalled

LOOPBACK_ONLY = (
    "--host {host} lets other computers reach the page, so it needs an access token: "
    "add --token {token} (a new random one) or a token of your own."
)


def serve(
    host: Annotated[
        str,
        typer.Option(
            "--host",
            metavar="HOST",
            help="Address to listen on (other than this computer: --token).",
        ),
    ] = "127.0.0.1",
    port: Annotated[
        int,
        typer.Option(
            "--port", metavar="PORT", min=0, max=65535, help="Port to listen on (0: any free one)."
        ),
    ] = 8000,
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            metavar="TOKEN",
            help="Access token the page's address must carry (default: new).",
        ),
    ] = None,
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Don't open the page in a browser.")
    ] = False,
    max_upload_mb: Annotated[
        float,
        typer.Option(
            "--max-upload-mb", metavar="MB", min=0.001, help="Largest upload accepted, in MB."
        ),
    ] = 25,
    debug: Debug = False,
) -> None:
    """Grade gradebooks dropped on a web page on this computer.

    Needs the web extra: pip install "gradeproc[web]". The page's address carries an access
    token; nothing is loaded from the internet, and uploads are forgotten after download.
    """
    try:
        from gradeproc.serve import is_loopback, new_token
        from gradeproc.serve import serve as run_server
    except ImportError as error:
        if debug:
            raise
        echo_err(
            f"Error: `gradeproc serve` needs the web extra ({error.name} is not installed): "
            'pip install "gradeproc[web]"'
        )
        raise typer.Exit(2) from None
    if not is_loopback(host) and not token:
        echo_err("Error: " + LOOPBACK_ONLY.format(host=host, token=new_token()))
        raise typer.Exit(2)
    try:
        run_server(
            host,
            port,
            token or new_token(),
            open_browser=not no_browser,
            max_bytes=int(max_upload_mb * 1024 * 1024),
            say=typer.echo,
        )
    except (Signalled, KeyboardInterrupt):
        echo_err("Stopped; every uploaded gradebook and result was deleted.")
    except GradeprocError as error:
        raise fail(error, debug) from None
