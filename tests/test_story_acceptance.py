"""From coverage to a sourced state, through the real CLI and a loopback feed: one day of
coverage, the analyst's word over it, and retractions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from tests.helpers.cli import in_process

SEPTEMBER_11 = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Wire</title><link>https://wire.example/</link>
<item><guid>w-1</guid><link>https://wire.example/minsk-deal</link>
<title>Belarus frees 52 prisoners after talks with U.S. envoy</title>
<pubDate>Thu, 11 Sep 2025 18:20:00 GMT</pubDate>
<description>Belarus freed 52 prisoners on Thursday after talks with a U.S. delegation led by envoy
John Coale. Coale told reporters that Washington wants to reopen its embassy in Minsk, though no
date has been set. He said the United States would allow Belavia, the state airline, to service its
Boeing jets and buy spare parts, relief that depends on progress in the talks. Coale described
relations between the two countries as "good, but not excellent". More than 1,000 political
prisoners remain behind bars, rights groups say.</description></item>
<item><guid>w-2</guid><link>https://wire.example/vilnius</link>
<title>Freed prisoners reach Lithuania</title>
<pubDate>Thu, 11 Sep 2025 21:05:00 GMT</pubDate>
<description>The 52 prisoners freed by Belarus crossed into Lithuania with the U.S. delegation on Thursday.
Fourteen of them are foreigners. The U.S. embassy in Vilnius said it was helping the Americans among them.
It is not clear whether the embassy in Minsk will reopen this year.</description></item>
</channel></rss>"""


def report(cwd: Path, *args: str) -> dict[str, Any]:
    code, out, err = in_process("report", "--format", "json", *args, cwd=cwd)
    assert code == 0, err
    data: dict[str, Any] = json.loads(out)
    return data


def subject(data: dict[str, Any], subject_id: str) -> dict[str, Any]:
    return next(s for s in data["subjects"] if s["id"] == subject_id)


@pytest.fixture
def fetched(httpserver: HTTPServer, tmp_path: Path) -> Path:
    httpserver.expect_request("/wire.xml").respond_with_data(SEPTEMBER_11, content_type="application/rss+xml")
    (tmp_path / "feeds.toml").write_text(
        f'[[feeds]]\nid = "wire"\nurl = "{httpserver.url_for("/wire.xml")}"\npublisher = "Wire"\n'
    )
    code, _, err = in_process("fetch", cwd=tmp_path)
    assert code == 0, err
    return tmp_path


def test_one_day_of_coverage_gives_the_state_with_evidence(fetched: Path) -> None:
    data = report(fetched)
    embassy = subject(data, "us-embassy-minsk")
    assert (embassy["state"], embassy["since"]) == ("reopening-discussed", "2025-09-11")
    belavia = subject(data, "belavia-sanctions")
    assert (belavia["state"], belavia["since"]) == ("relief-promised", "2025-09-11")
    releases = subject(data, "prisoner-releases")
    assert releases["total"] == 52  # two articles, one release; the 1,000 behind bars are not released
    for item in (embassy, belavia, releases):
        assert item["evidence"], item["id"]
        assert all(e["url"].startswith("https://wire.example/") and e["sentence"] for e in item["evidence"])
    assert "Vilnius" not in " ".join(e["sentence"] for e in embassy["evidence"])
    (release,) = [e for e in data["timeline"] if e["subject"] == "prisoner-releases"]
    assert release["count"] == 52 and len(release["sources"]) == 2


def test_an_analyst_outranks_extraction_and_retractions_stop_counting(fetched: Path) -> None:
    code, out, err = in_process(
        "assert", "belavia-sanctions", "eased", "--date", "2025-09-11",
        "--source", "https://home.treasury.gov/example-licence", "--note", "OFAC issued a general licence.",
        cwd=fetched,
    )  # fmt: skip
    assert code == 0, err
    assertion_id = out.strip()
    belavia = subject(report(fetched), "belavia-sanctions")
    assert belavia["state"] == "eased" and belavia.get("analyst") is True
    assert belavia["evidence"][0]["url"] == "https://home.treasury.gov/example-licence"

    # The same assertion again is the same event: nothing new.
    assert (
        in_process("events", "--type", "FactAsserted", "--format", "json", cwd=fetched)[1].count('"id"') == 1
    )
    code, out, _ = in_process(
        "assert", "belavia-sanctions", "eased", "--date", "2025-09-11",
        "--source", "https://home.treasury.gov/example-licence", "--note", "OFAC issued a general licence.",
        cwd=fetched,
    )  # fmt: skip
    assert out.strip() == assertion_id
    assert (
        in_process("events", "--type", "FactAsserted", "--format", "json", cwd=fetched)[1].count('"id"') == 1
    )

    code, _, err = in_process("retract", assertion_id, "--reason", "wrong licence", cwd=fetched)
    assert code == 0, err
    data = report(fetched)
    assert subject(data, "belavia-sanctions")["state"] == "relief-promised"
    assert [r["fact_id"] for r in data["retracted"]] == [assertion_id]

    # An extracted fact can be retracted too: the release stops counting.
    release_fact = subject(data, "prisoner-releases")["evidence"][0]["fact_id"]
    other_facts = [e["fact_id"] for e in subject(data, "prisoner-releases")["evidence"][1:]]
    for fact_id in [release_fact, *other_facts]:
        assert in_process("retract", fact_id, "--reason", "misread", cwd=fetched)[0] == 0
    assert subject(report(fetched), "prisoner-releases")["total"] == 0


def test_analyst_input_is_validated(fetched: Path) -> None:
    code, _, err = in_process(
        "assert",
        "belavia-sanctions",
        "gone",
        "--date",
        "2025-09-11",
        "--source",
        "https://x.org",
        cwd=fetched,
    )
    assert code == 1 and "has no state 'gone'" in err
    code, _, err = in_process(
        "assert",
        "prisoner-releases",
        "many",
        "--date",
        "2025-09-11",
        "--source",
        "https://x.org",
        cwd=fetched,
    )
    assert code == 1 and "give a count" in err
    code, _, err = in_process(
        "assert",
        "us-embassy-minsk",
        "reopened",
        "--date",
        "11/09/2025",
        "--source",
        "https://x.org",
        cwd=fetched,
    )
    assert code == 2 and "YYYY-MM-DD" in err
    code, _, err = in_process("retract", "fact:nope", "--reason", "x", cwd=fetched)
    assert code == 1 and "no fact" in err
