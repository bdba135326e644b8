"""Page text extraction in worker processes (`tracker.workers`), under a budget per page.

trafilatura parses the whole page into an lxml tree and walks it in Python: a pathological page
(an HTML bomb of nested tags, a megabyte-long line of inline elements) can cost seconds of CPU and
hundreds of MiB. So each page is extracted in a worker process with BUDGET seconds of CPU and an
address-space limit; a page that needs more is a recorded page failure, never a hang of the fetch
pass or of the daemon. A worker that stops answering altogether (stuck in C code, where the budget's
signal cannot reach it) is killed after a wall-time backstop and replaced.
"""

from __future__ import annotations

import threading

from tracker.errors import ExtractionFailed, WorkerUnavailable
from tracker.pages.extract import Extraction
from tracker.workers.pool import WorkerDied, WorkerPool

BUDGET = 5.0  # seconds of CPU per page; a 25 KB news page takes ~30 ms
MEMORY_LIMIT = 768 * 2**20  # address space of a worker: lxml trees of a 5 MB page fit well
RECYCLE_AFTER = 2_000  # pages per worker: lxml and trafilatura's caches only grow


class ExtractPool:
    """Up to `workers` extractions at once, each in a worker process; thread-safe.

    `extract()` blocks (call it from a thread); `extract_async()` waits for it on the pool's own
    threads. Every failure comes back as ExtractionFailed, which says whether another try could
    help (`final`).
    """

    def __init__(
        self,
        workers: int = 1,
        *,
        budget: float = BUDGET,
        memory_limit: int = MEMORY_LIMIT,
        backstop: float | None = None,
    ) -> None:
        self.budget = budget
        self.memory_limit = memory_limit
        # Wall time a page may take before its worker is killed: the CPU budget, stretched for a
        # machine whose cores are shared.
        self.backstop = backstop if backstop is not None else max(30.0, budget * 6)
        self._workers = WorkerPool(
            "tracker.pages.extract_worker",
            [str(memory_limit), repr(budget)],
            size=workers,
            recycle_after=RECYCLE_AFTER,
            name="extract",
        )
        self._lock = threading.Lock()
        self.extracted = 0

    @property
    def started(self) -> int:
        """Worker processes started, for tests and benchmarks."""
        return self._workers.started

    def extract(self, html: bytes, url: str) -> Extraction:
        """The article in `html` (fetched from `url`), a redirect shell's target, or why there is none."""
        try:
            kind, value = self._workers.call((bytes(html), url), self.backstop, recycle_on="memory")
        except TimeoutError:
            raise ExtractionFailed(f"extraction stopped after {self.backstop:g} s", final=False) from None
        except WorkerDied as exc:
            raise ExtractionFailed(f"extraction worker died ({exc.reason})", final=False) from None
        except WorkerUnavailable as exc:
            raise ExtractionFailed(f"extraction unavailable: {exc}", final=False) from None
        with self._lock:
            self.extracted += 1
        if kind == "ok":
            extraction: Extraction = value
            return extraction
        if kind == "over-budget":
            raise ExtractionFailed(f"the page needed over {self.budget:g} s of CPU to extract", final=True)
        if kind == "memory":
            raise ExtractionFailed(
                f"the page needed over {self.memory_limit // 2**20} MiB to extract", final=True
            )
        raise ExtractionFailed(f"extractor failed: {value}", final=True)

    async def extract_async(self, html: bytes, url: str) -> Extraction:
        return await self._workers.run_async(self.extract, html, url)

    def close(self) -> None:
        """Stop every worker; extractions in progress fail."""
        self._workers.close()

    def __enter__(self) -> ExtractPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
