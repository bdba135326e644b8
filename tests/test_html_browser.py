"""The HTML report in a real browser: Debian's chromium, headless, launched once for the module.

Pages are served from a loopback server that records every request. At 1280 and 390 px the
demo's report logs no console error, requests nothing but itself, draws one marker per timeline
entry, overflows no box, and shows a hostile outlet's markup as text. A store of over 500
entries draws a timeline whose labels and markers overlap nowhere.

TRACKER_SCREENSHOT=path.png also writes the screenshot the README shows: the page that
`tracker demo --format html` prints, at 1200 px, from its header to the end of the timeline.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.helpers.html_pages import IMG, SCRIPT, busy_report, demo_report, run_ok
from tracker.report.html import render_html

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium")
# Headless, and none of Chromium's own calls home (updates, sync, safe browsing, QUIC probes).
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]

# Elements whose content would spill out of their box (scrollWidth beyond clientWidth), leaving
# out the sideways-scrolling timeline and charts, which scroll by design.
OVERFLOWING = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('body, body *')) {
    if (el.closest('svg') || el.closest('.tl-scroll, .chart-scroll')) continue;
    if (el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1) bad.push(el.tagName + '.' + el.className);
  }
  if (document.documentElement.scrollWidth > window.innerWidth) bad.push('page is wider than the window');
  return bad;
}"""

# Pairs of timeline labels (axis dates, state names, counts) or markers whose boxes intersect.
OVERLAPS = """() => {
  const box = el => el.getBoundingClientRect();
  const meet = (a, b) => a.left < b.right - 0.5 && b.left < a.right - 0.5
    && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
  const labels = [...document.querySelectorAll('.tl-svg .tl-label')].map(box);
  const found = [];
  for (let i = 0; i < labels.length; i++)
    for (let j = i + 1; j < labels.length; j++) if (meet(labels[i], labels[j])) found.push(['label', i, j]);
  for (const lane of document.querySelectorAll('.tl-svg .lane')) {
    const marks = [...lane.querySelectorAll('.tl-marker')].map(box);
    const words = [...lane.querySelectorAll('.tl-label')].map(box);
    for (let i = 0; i < marks.length; i++) {
      for (let j = i + 1; j < marks.length; j++) if (meet(marks[i], marks[j])) found.push(['marker', i, j]);
      for (const w of words) if (meet(marks[i], w)) found.push(['marker over label', i]);
    }
  }
  return {labels: labels.length, found: found.slice(0, 10), total: found.length};
}"""


class _Recorder(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        self.server.paths.append(self.path)  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[str], dict[str, Any]]]:
    """The demo's report and a busy store's report as files on a loopback server."""
    root = tmp_path_factory.mktemp("site")
    reports = {"demo": demo_report(root), "busy": busy_report(root / "busy.db")}
    for name, report in reports.items():
        (root / f"{name}.html").write_text(render_html(report), encoding="utf-8")
    if os.environ.get("TRACKER_SCREENSHOT"):  # the page `tracker demo --format html` prints
        html = run_ok("demo", "--db", root / "readme.db", "--format", "html")
        (root / "readme.html").write_text(html, encoding="utf-8")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Recorder, directory=str(root)))
    server.paths = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", server.paths, reports  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser(site: tuple[str, list[str], dict[str, Any]]) -> Iterator[Any]:
    """One Chromium for the module, launched after the pages are built: the pipeline runs its own
    event loop, which cannot run inside Playwright's."""
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


def _open(browser: Any, url: str, width: int) -> tuple[Any, list[str], list[str]]:
    page = browser.new_page(viewport={"width": width, "height": 900})
    problems: list[str] = []
    requests: list[str] = []
    page.on(
        "console",
        lambda m: problems.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None,
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("dialog", lambda d: problems.append(f"dialog: {d.message}"))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(url, wait_until="load")
    return page, problems, requests


@pytest.mark.parametrize("width", [1280, 390])
def test_demo_report_renders_cleanly(
    browser: Any, site: tuple[str, list[str], dict[str, Any]], width: int
) -> None:
    base, served, reports = site
    url = f"{base}/demo.html"
    served.clear()
    page, problems, requests = _open(browser, url, width)
    try:
        assert problems == []
        assert requests == [url] and served == ["/demo.html"]
        timeline = reports["demo"]["timeline"]
        assert page.locator("a.tl-marker").count() == len(timeline)
        targets = page.eval_on_selector_all("a.tl-marker", "els => els.map(e => e.getAttribute('href'))")
        assert sorted(targets) == sorted(f"#entry-{n}" for n in range(1, len(timeline) + 1))
        assert all(page.locator(t).count() == 1 for t in targets)
        assert page.evaluate(OVERFLOWING) == []
        assert page.locator("script, img, iframe, object, embed").count() == 0
        text = page.inner_text("body")
        assert SCRIPT in text and IMG in text  # the hostile outlet's title and its article, as text
        assert page.evaluate(OVERLAPS)["total"] == 0
        page.locator("a.tl-marker").first.click()  # a marker leads to its entry
        assert page.evaluate("location.hash") == targets[0]
        assert problems == [] and all(r.startswith(url) for r in requests)
    finally:
        page.close()


@pytest.mark.skipif(not os.environ.get("TRACKER_SCREENSHOT"), reason="TRACKER_SCREENSHOT=path.png not set")
def test_write_the_readme_screenshot(browser: Any, site: tuple[str, list[str], dict[str, Any]]) -> None:
    base, _, _ = site
    page, problems, _ = _open(browser, f"{base}/readme.html", 1200)
    try:
        bottom = page.evaluate("document.querySelector('#timeline').getBoundingClientRect().bottom")
        clip = {"x": 0, "y": 0, "width": 1200, "height": bottom + 24}
        page.screenshot(path=os.environ["TRACKER_SCREENSHOT"], full_page=True, clip=clip)
        assert problems == []
    finally:
        page.close()


def test_five_hundred_entries_draw_a_legible_timeline(
    browser: Any, site: tuple[str, list[str], dict[str, Any]]
) -> None:
    base, _, reports = site
    page, problems, requests = _open(browser, f"{base}/busy.html", 1280)
    try:
        assert len(reports["busy"]["timeline"]) >= 500
        assert problems == [] and len(requests) == 1
        overlaps = page.evaluate(OVERLAPS)
        assert overlaps["labels"] > 20 and overlaps["total"] == 0, overlaps
        covered = page.eval_on_selector_all(
            "a.tl-marker", "els => els.flatMap(e => e.dataset.entries.split(' '))"
        )
        assert sorted(covered) == sorted(f"entry-{n}" for n in range(1, len(reports["busy"]["timeline"]) + 1))
        assert page.evaluate(OVERFLOWING) == []
    finally:
        page.close()
