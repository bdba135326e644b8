"""A writer for the crash test: appends batches of 50 events, each batch one transaction with the
projections caught up inside it, and prints a batch's id only after its COMMIT returned."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta

from tracker.bootstrap import projection_runner
from tracker.config import default_config
from tracker.events import ArticleObserved
from tracker.storage.store import Store

BATCH = 50


def main(path: str, start: int) -> None:
    store = Store.open(path)
    runner = projection_runner(default_config())
    batch = start
    base = datetime(2025, 9, 1, tzinfo=UTC)
    while True:
        events = [
            ArticleObserved(
                feed_id=f"feed-{batch % 3}",
                entry_key=f"{batch}-{i}",
                title=f"Article {batch}-{i}",
                summary="Belarus freed 52 prisoners on Thursday." if i == 0 else "Nothing to see.",
                content_hash=f"{batch}-{i}",
                published=base + timedelta(hours=batch),
            )
            for i in range(BATCH)
        ]
        with store.transaction():
            store.append(events, meta={"batch": batch, "n": BATCH})
            runner.catch_up(store)
        print(batch, flush=True)
        batch += 1


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
