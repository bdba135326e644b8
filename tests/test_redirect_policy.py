"""A feed's redirects may not lead into the local network, in any spelling of an address, except to
the feed's own host or to destinations listed in `[fetch] allow_private`.

Two real servers on loopback: the feed's own at 127.0.0.1 and an "internal" one at 127.0.0.2,
whose page must never be fetched unless the configuration allows it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.cli import in_process
from tests.helpers.feed_server import FeedServer, write_feeds
from tracker.net.netguard import AddressPolicy, is_public

RSS = (
    b"<?xml version='1.0'?><rss version='2.0'><channel><title>T</title><item><guid>{g}</guid>"
    b"<title>Item {g}</title><link>https://x.example/{g}</link></item></channel></rss>"
)


def rss(guid: str) -> bytes:
    return RSS.replace(b"{g}", guid.encode())


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[FeedServer, FeedServer]]:
    with FeedServer() as own, FeedServer(host="127.0.0.2") as internal:
        internal.static("/secret.xml", rss("secret"))
        own.static("/feed.xml", rss("own"))
        yield own, internal


def outcomes(workdir: Path) -> dict[str, tuple[str, str | None, str | None]]:
    conn = sqlite3.connect(workdir / "events.db")
    rows = conn.execute("SELECT feed_id, outcome, error_category, error FROM polls").fetchall()
    conn.close()
    return {feed: (outcome, category, error) for feed, outcome, category, error in rows}


def stored_guids(workdir: Path) -> set[str]:
    conn = sqlite3.connect(workdir / "events.db")
    rows = conn.execute("SELECT json_extract(data, '$.guid') FROM events WHERE type = 'ArticleObserved'")
    guids = {row[0] for row in rows}
    conn.close()
    return guids


def test_redirects_into_the_local_network_are_refused_in_every_spelling(
    servers: tuple[FeedServer, FeedServer], tmp_path: Path
) -> None:
    own, internal = servers
    port = internal.port
    targets = {
        "plain": f"http://127.0.0.2:{port}/secret.xml",
        "decimal": f"http://2130706434:{port}/secret.xml",
        "octal": f"http://017700000002:{port}/secret.xml",
        "octal-dotted": f"http://0177.0.0.2:{port}/secret.xml",
        "scheme-relative": f"//127.0.0.2:{port}/secret.xml",
        "unspecified": f"http://0.0.0.0:{own.port}/feed.xml",
        "mapped": f"http://[::ffff:127.0.0.2]:{port}/secret.xml",
        "nat64": f"http://[64:ff9b::7f00:2]:{port}/secret.xml",
        "sixtofour": f"http://[2002:7f00:2::]:{port}/secret.xml",
        "metadata": "http://169.254.169.254/latest/meta-data/",
        "private": "http://10.0.0.1/",
        "cgnat": "http://100.64.0.1/",
        "multicast": "http://224.0.0.1/",
    }
    feeds = {}
    for name, target in targets.items():
        own.redirect(f"/to-{name}", target)
        feeds[name] = own.url(f"/to-{name}")
    write_feeds(tmp_path / "feeds.toml", feeds, '[fetch]\ndeadline = "5s"\n')
    hits_before = len(internal.hits["/secret.xml"])
    code, _, err = in_process("fetch", cwd=tmp_path)
    assert code in (0, 3), err  # the pass ran (3: every feed failed)
    assert len(internal.hits["/secret.xml"]) == hits_before  # nothing internal was ever requested
    assert stored_guids(tmp_path) == set()
    for name, (outcome, category, error) in outcomes(tmp_path).items():
        assert outcome == "failed", name
        if name == "octal-dotted":  # not even a valid URL to the HTTP client
            assert category == "connect" and "invalid" in (error or "").lower(), error
        else:
            assert category == "refused-destination", (name, category, error)


def test_a_feed_may_redirect_within_its_own_host(
    servers: tuple[FeedServer, FeedServer], tmp_path: Path
) -> None:
    own, _ = servers
    with FeedServer() as sibling:  # the same host, another port
        sibling.static("/moved.xml", rss("sibling"))
        own.redirect("/to-self", "/feed.xml")
        own.redirect("/to-sibling", sibling.url("/moved.xml"))
        own.redirect("/to-self-decimal", f"http://2130706433:{own.port}/feed.xml")  # 127.0.0.1
        own.redirect("/to-self-mapped", f"http://[::ffff:127.0.0.1]:{own.port}/feed.xml")
        feeds = {
            "self": own.url("/to-self"),
            "sibling": own.url("/to-sibling"),
            "decimal": own.url("/to-self-decimal"),
            "mapped": own.url("/to-self-mapped"),
        }
        write_feeds(tmp_path / "feeds.toml", feeds)
        code, _, err = in_process("fetch", cwd=tmp_path)
    assert code == 0, err
    results = outcomes(tmp_path)
    assert {name: result[0] for name, result in results.items() if name != "mapped"} == {
        "self": "ok",
        "sibling": "ok",
        "decimal": "ok",
    }
    # An IPv4-mapped address is the same host; whether it connects depends on the system's IPv6.
    assert results["mapped"][1] != "refused-destination", results["mapped"]
    assert {"own", "sibling"} <= stored_guids(tmp_path)


def test_a_feed_by_name_may_not_redirect_to_another_loopback_address(
    servers: tuple[FeedServer, FeedServer], tmp_path: Path
) -> None:
    own, internal = servers
    own.redirect("/named", f"http://127.0.0.2:{internal.port}/secret.xml")
    write_feeds(tmp_path / "feeds.toml", {"named": f"http://localhost:{own.port}/named"})
    code, _, err = in_process("fetch", cwd=tmp_path)
    assert code in (0, 3), err
    assert outcomes(tmp_path)["named"][1] == "refused-destination"


@pytest.mark.parametrize("allowed", ['"127.0.0.2"', '"127.0.0.0/30"', '"::ffff:127.0.0.2"'])
def test_allow_private_opens_listed_destinations(
    servers: tuple[FeedServer, FeedServer], tmp_path: Path, allowed: str
) -> None:
    own, internal = servers
    own.redirect("/to-internal", internal.url("/secret.xml"))
    own.redirect("/to-metadata", "http://169.254.169.254/")
    feeds = {"internal": own.url("/to-internal"), "metadata": own.url("/to-metadata")}
    write_feeds(tmp_path / "feeds.toml", feeds, f'[fetch]\ndeadline = "5s"\nallow_private = [{allowed}]\n')
    code, _, err = in_process("fetch", cwd=tmp_path)
    assert code == 0, err
    results = outcomes(tmp_path)
    assert results["internal"][0] == "ok"
    assert results["metadata"][1] == "refused-destination"  # only what is listed
    assert "secret" in stored_guids(tmp_path)


def test_allow_private_by_host_name(servers: tuple[FeedServer, FeedServer], tmp_path: Path) -> None:
    own, _ = servers
    with FeedServer(host="127.0.0.2") as intranet:
        intranet.static("/feed.xml", rss("intranet"))
        own.redirect("/to-intranet-name", f"http://localhost:{own.port}/feed.xml")
        feeds = {"by-name": f"http://127.0.0.2:{intranet.port}/feed.xml", "hop": own.url("/to-intranet-name")}
        write_feeds(tmp_path / "feeds.toml", feeds, '[fetch]\nallow_private = ["LocalHost."]\n')
        code, _, err = in_process("fetch", cwd=tmp_path)
    assert code == 0, err
    assert {name: result[0] for name, result in outcomes(tmp_path).items()} == {"by-name": "ok", "hop": "ok"}


def test_allow_private_entries_are_validated(tmp_path: Path) -> None:
    write_feeds(tmp_path / "feeds.toml", {}, '[fetch]\nallow_private = ["10.1.2.0/24", "bad host!"]\n')
    code, _, err = in_process("report", cwd=tmp_path)
    assert code == 1 and "allow_private" in err and "bad host!" in err and "Traceback" not in err


def test_the_policy_judges_every_spelling_by_the_address_it_stands_for() -> None:
    for text in ("127.0.0.1", "10.0.0.1", "169.254.169.254", "100.64.0.1", "224.0.0.1", "0.0.0.0",
                 "::1", "::ffff:127.0.0.1", "64:ff9b::7f00:1", "2002:7f00:1::1", "fd00:ec2::254",
                 "2001::1", "ff02::1"):  # fmt: skip
        assert not is_public(ipaddress.ip_address(text)), text
    for text in ("93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "::ffff:93.184.216.34"):
        assert is_public(ipaddress.ip_address(text)), text
    own = AddressPolicy.build("127.0.0.1", ["10.1.2.0/24", "intranet.example"])
    assert own.allows("2130706433", ipaddress.ip_address("127.0.0.1"))
    assert not own.allows("x", ipaddress.ip_address("127.0.0.2"))
    assert own.allows("x", ipaddress.ip_address("10.1.2.200")) and not own.allows(
        "x", ipaddress.ip_address("10.1.3.1")
    )
    assert own.allows("Intranet.Example.", ipaddress.ip_address("192.168.1.1"))


def test_no_policy_means_public_only() -> None:
    from tracker.net.netguard import Refused, vet

    with pytest.raises(Refused):
        asyncio.run(vet("127.0.0.1", 80))
