"""Where an uploaded gradebook and its results live while the page needs them: briefly.

Each upload gets its own folder inside one private temporary folder (mode 0700). A job goes
away when its time is up, when the page says it is done, or when the server stops; each
download is handed out once and its file deleted at once. Nothing is written anywhere else.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_TTL_SECONDS = 600.0


@dataclass
class Job:
    """One graded upload: its folder, the files still to download, and what the page may ask."""

    id: str
    folder: Path
    book: Path  # the uploaded gradebook, under the name the instructor gave it
    created: float
    downloads: dict[str, Path] = field(default_factory=dict)
    graded: tuple | None = None  # (workbook, gradebook, grading), made on the first explain
    lock: threading.Lock = field(default_factory=threading.Lock)


class Store:
    """Jobs by id, each forgotten (and its folder deleted) `ttl` seconds after it was made."""

    def __init__(
        self, ttl: float = DEFAULT_TTL_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self.clock = clock
        self.root = Path(tempfile.mkdtemp(prefix="gradeproc-serve-"))  # 0700: this user only
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def new_folder(self) -> Path:
        return Path(tempfile.mkdtemp(dir=self.root))

    def add(self, folder: Path, book: Path, downloads: dict[str, Path]) -> Job:
        job = Job(secrets.token_urlsafe(16), folder, book, self.clock(), dict(downloads))
        with self._lock:
            self._jobs[job.id] = job
        self.sweep()
        return job

    def get(self, job_id: str) -> Job | None:
        self.sweep()
        with self._lock:
            return self._jobs.get(job_id)

    def take_download(self, job_id: str, key: str) -> tuple[Job, bytes] | None:
        """A download's bytes, once: its file is deleted as it is handed out."""
        job = self.get(job_id)
        if job is None:
            return None
        with job.lock:
            path = job.downloads.pop(key, None)
            if path is None:
                return None
            data = path.read_bytes()
            path.unlink(missing_ok=True)
        return job, data

    def forget(self, job_id: str) -> bool:
        with self._lock:
            job = self._jobs.pop(job_id, None)
        if job is not None:
            shutil.rmtree(job.folder, ignore_errors=True)
        return job is not None

    def sweep(self) -> int:
        """Forget every job past its time; how many went."""
        now = self.clock()
        with self._lock:
            old = [j for j in self._jobs.values() if now - j.created >= self.ttl]
            for job in old:
                del self._jobs[job.id]
        for job in old:
            shutil.rmtree(job.folder, ignore_errors=True)
        return len(old)

    def __len__(self) -> int:
        with self._lock:
            return len(self._jobs)

    def close(self) -> None:
        """Forget everything and delete the private folder (the server is stopping)."""
        with self._lock:
            self._jobs.clear()
        shutil.rmtree(self.root, ignore_errors=True)
