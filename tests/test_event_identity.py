"""One event however often it is retold, through the real CLI and loopback feeds: a release of 52
reported on its day by three outlets and retold in passing by six later articles over three months,
and a second, genuinely new release of 52 a month after the first."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from tests.helpers.cli import in_process

# (feed, guid, published, title, body paragraphs)
Article = tuple[str, str, str, str, tuple[str, ...]]
FIRST, SECOND = "2025-09-11", "2025-10-16"

ON_THE_DAY: tuple[Article, ...] = (
    (
        "wire",
        "w-1",
        "Thu, 11 Sep 2025 16:00:00 GMT",
        "Belarus frees 52 prisoners after talks with U.S. envoy",
        (
            "Belarus released 52 prisoners on Thursday after talks with a U.S. delegation in Minsk.",
            "The freed prisoners were driven to the Lithuanian border, officials said.",
        ),
    ),
    (
        "monitor",
        "m-1",
        "Thu, 11 Sep 2025 19:30:00 GMT",
        "Fifty-two freed prisoners cross into Lithuania",
        (
            "Fifty-two prisoners freed by Belarus on Thursday crossed into Lithuania with U.S. diplomats.",
            "Rights groups in Vilnius welcomed them.",
        ),
    ),
    (
        "digest",
        "d-1",
        "Fri, 12 Sep 2025 07:00:00 GMT",
        "Lukashenko pardons 52 prisoners",
        (
            "Belarusian leader Alexander Lukashenko pardoned 52 prisoners on Thursday, his office said.",
            "Washington called the release a step towards better relations.",
        ),
    ),
)
SECOND_RELEASE: tuple[Article, ...] = (
    (
        "wire",
        "w-2",
        "Thu, 16 Oct 2025 15:00:00 GMT",
        "Belarus frees another 52 prisoners",
        (
            "Belarus released another 52 prisoners on Thursday, the second group in five weeks.",
            "They crossed into Lithuania in the afternoon, the State Department said.",
        ),
    ),
)
RETELLINGS: tuple[Article, ...] = (
    # A follow-up two weeks on: an undated recap deep in the article.
    (
        "monitor",
        "m-2",
        "Thu, 25 Sep 2025 10:00:00 GMT",
        "Freed activist describes life in a Belarusian colony",
        (
            "A Belarusian activist freed this month said conditions in the colony had worsened since 2022.",
            "She spoke to reporters in Vilnius, where she now lives with her family.",
            "Her trial lasted two days and she never saw a lawyer alone, she said.",
            "In exchange for the relief, Minsk let 52 prisoners go.",
        ),
    ),
    # An explainer that names the date, in capitals.
    (
        "digest",
        "d-2",
        "Mon, 29 Sep 2025 09:00:00 GMT",
        "Explainer: what Washington offered Minsk",
        (
            "Washington and Minsk have held several rounds of talks this year.",
            "ON 11 SEPTEMBER, Belarus freed 52 prisoners after a visit by the U.S. envoy.",
            "The talks are expected to continue in the autumn.",
        ),
    ),
    # A follow-up about something else, recalling the release in passing.
    (
        "wire",
        "w-3",
        "Tue, 07 Oct 2025 12:00:00 GMT",
        "Belarusian opposition meets in Vilnius",
        (
            "Exiled Belarusian opposition leaders met in Vilnius on Tuesday to plan their next steps.",
            "Several speakers thanked the United States for its diplomacy.",
            "Last month, Belarus released 52 prisoners after talks with a U.S. envoy.",
        ),
    ),
    # After the second release: an explainer dating both.
    (
        "monitor",
        "m-3",
        "Wed, 05 Nov 2025 08:00:00 GMT",
        "How the prisoner releases came about",
        (
            "Diplomats describe months of quiet contacts between Washington and Minsk.",
            "The contacts intensified in the summer, according to two officials.",
            "Belarus freed 52 prisoners on 11 September and another 52 on 16 October.",
        ),
    ),
    # A recap two months on, with the second release's date.
    (
        "digest",
        "d-3",
        "Tue, 02 Dec 2025 09:00:00 GMT",
        "Minsk and Washington: a timeline",
        (
            "Relations between Minsk and Washington have changed quickly this year.",
            "The envoy travelled to Minsk several times.",
            "On 16 October Belarus released 52 more prisoners.",
        ),
    ),
    # Three months on: a profile that dates the first release.
    (
        "wire",
        "w-4",
        "Wed, 10 Dec 2025 10:00:00 GMT",
        "Three months after his release, a Belarusian journalist writes again",
        (
            "A Belarusian journalist is writing again from exile in Warsaw.",
            "He spent four years in prison before his release.",
            "He was among the 52 prisoners freed by Belarus on 11 September.",
        ),
    ),
)


def rss(feed: str, articles: tuple[Article, ...]) -> str:
    items = "".join(
        f"<item><guid>{guid}</guid><link>https://{feed}.example/{guid}</link><title>{title}</title>"
        f"<pubDate>{published}</pubDate><description><![CDATA["
        + "".join(f"<p>{p}</p>" for p in paragraphs)
        + "]]></description></item>"
        for _, guid, published, title, paragraphs in articles
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{feed}</title>'
        f"<link>https://{feed}.example/</link>{items}</channel></rss>"
    )


@pytest.fixture
def story(httpserver: HTTPServer, tmp_path: Path) -> dict[str, Any]:
    everything = ON_THE_DAY + SECOND_RELEASE + RETELLINGS
    lines = []
    for feed in ("wire", "monitor", "digest"):
        mine = tuple(a for a in everything if a[0] == feed)
        httpserver.expect_request(f"/{feed}.xml").respond_with_data(
            rss(feed, mine), content_type="application/rss+xml"
        )
        lines.append(
            f'[[feeds]]\nid = "{feed}"\nurl = "{httpserver.url_for(f"/{feed}.xml")}"\npublisher = "{feed}"\n'
        )
    (tmp_path / "feeds.toml").write_text("\n".join(lines))
    code, _, err = in_process("fetch", cwd=tmp_path)
    assert code == 0, err
    code, out, err = in_process("report", "--format", "json", "--details", cwd=tmp_path)
    assert code == 0, err
    data: dict[str, Any] = json.loads(out)
    data["_dir"] = str(tmp_path)
    return data


def url(article: Article) -> str:
    return f"https://{article[0]}.example/{article[1]}"


def test_a_release_retold_for_three_months_is_one_entry_and_a_new_one_of_the_same_size_another(
    story: dict[str, Any],
) -> None:
    releases = [e for e in story["timeline"] if e["subject"] == "prisoner-releases"]
    why = json.dumps([m for m in story["mentions"] if m["subject"] == "prisoner-releases"], indent=1)
    assert [(e["date"], e["count"]) for e in releases] == [(FIRST, 52), (SECOND, 52)], why
    total = next(s for s in story["subjects"] if s["id"] == "prisoner-releases")["total"]
    assert total == 104
    first, second = releases

    def sources(entry: dict[str, Any], decision: str) -> set[str]:
        return {s["url"] for s in entry["sources"] if s["decision"] == decision}

    assert sources(first, "news") == {url(a) for a in ON_THE_DAY}
    assert first["publishers"] == 3
    assert sources(second, "news") == {url(a) for a in SECOND_RELEASE}
    first_retold = {url(a) for a in RETELLINGS if a[1] in ("m-2", "d-2", "w-3", "m-3", "w-4")}
    second_retold = {url(a) for a in RETELLINGS if a[1] in ("m-3", "d-3")}
    assert sources(first, "retelling") == first_retold, why
    assert sources(second, "retelling") == second_retold, why


def test_every_decision_and_its_reason_is_in_the_report_and_in_sql(story: dict[str, Any]) -> None:
    mentions = {m["fact_id"]: m for m in story["mentions"]}
    assert mentions and all(m["reason"] and m["decision"] for m in mentions.values())
    ids = {e["id"] for e in story["timeline"]}
    assert all(m["entry"] in ids for m in mentions.values() if m["decision"] in ("news", "retelling"))
    retold = [
        m for m in mentions.values() if m["decision"] == "retelling" and m["subject"] == "prisoner-releases"
    ]
    assert {m["url"] for m in retold} >= {url(a) for a in RETELLINGS}
    with sqlite3.connect(Path(story["_dir"]) / "events.db") as db:
        rows = db.execute(
            "SELECT d.fact_id, d.decision, d.entry_id, d.reason, f.url FROM fact_decisions d "
            "JOIN facts f USING (fact_id) WHERE f.superseded_by_position IS NULL"
        ).fetchall()
        entry_ids = {r[0] for r in db.execute("SELECT entry_id FROM timeline")}
    assert {r[0]: (r[1], r[2], r[3]) for r in rows} == {
        k: (m["decision"], m["entry"], m["reason"]) for k, m in mentions.items()
    }
    assert entry_ids == ids
