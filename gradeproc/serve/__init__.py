"""`gradeproc serve`: a page on this computer where an instructor drops a gradebook.

The page calls the same library as `gradeproc process`; this package only moves files in and
out, keeps them briefly in a private folder, and turns results into what the page shows.
Needs the `web` extra (Starlette, uvicorn, python-multipart).
"""

from __future__ import annotations

from gradeproc.serve.app import create_app
from gradeproc.serve.run import is_loopback, new_token, serve

__all__ = ["create_app", "is_loopback", "new_token", "serve"]
