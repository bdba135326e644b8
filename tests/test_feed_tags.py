"""Tags select feeds: `tracker fetch --tag` polls only the enabled feeds that carry the tag, over
real loopback HTTP; `tracker feeds` shows them; shell completion offers feed ids, tags and
subject ids read from the feeds.toml on the command line."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from tests.helpers.cli import invoke
from tests.helpers.feed_server import FeedServer, Item
from tracker.cli import main


def write_feeds(path: Path, server: FeedServer) -> None:
    tables = [
        ("wire", "/wire", '["outlet", "europe"]', "true"),
        ("paper", "/paper", '["outlet"]', "true"),
        ("paused", "/paused", '["outlet"]', "false"),
        ("search", "/search", '["search"]', "true"),
    ]
    path.write_text(
        '[fetch]\ndeadline = "5s"\n\n'
        + "\n".join(
            f'[[feeds]]\nid = "{feed_id}"\ntitle = "The {feed_id}"\nurl = "{server.url(route)}"\n'
            f"tags = {tags}\nenabled = {enabled}\n"
            for feed_id, route, tags, enabled in tables
        ),
        encoding="utf-8",
    )


def test_fetch_by_tag_polls_only_the_enabled_feeds_with_that_tag(tmp_path: Path) -> None:
    config, db = tmp_path / "feeds.toml", tmp_path / "events.db"
    with FeedServer() as server:
        for route in ("/wire", "/paper", "/paused", "/search"):
            server.feed(route, [Item(guid=f"{route}-1", title="A story", text="Something happened.")])
        write_feeds(config, server)

        result = invoke("fetch", "--tag", "outlet", "--config", str(config), "--db", str(db))
        assert result.exit_code == 0, result.output
        polled = {route for route in ("/wire", "/paper", "/paused", "/search") if server.hit_times(route)}
        assert polled == {"/wire", "/paper"}

        result = invoke(
            "fetch", "--tag", "search", "--feed", "paused", "--config", str(config), "--db", str(db)
        )
        assert result.exit_code == 0, result.output
        assert len(server.hit_times("/search")) == 1 and len(server.hit_times("/paused")) == 1
        assert len(server.hit_times("/wire")) == 1

        unknown = invoke("fetch", "--tag", "nope", "--config", str(config), "--db", str(db))
        assert unknown.exit_code == 1
        assert (
            unknown.output == f"Error: {config}: no feed has the tag 'nope' (tags: europe, outlet, search)\n"
        )

    listing = invoke("feeds", "--config", str(config), "--db", str(db))
    assert listing.exit_code == 0, listing.output
    rows = {
        line.split("\t")[0]: line.split("\t")[1] for line in listing.output.splitlines()[1:] if "\t" in line
    }
    assert rows["wire"] == "outlet,europe" and rows["search"] == "search"


def complete(config: Path, words: str) -> list[str]:
    """What bash completion offers for the last word of `words`."""
    args = words.split(" ")
    env = {
        "_TRACKER_COMPLETE": "bash_complete",
        "COMP_WORDS": " ".join(["tracker", *args]),
        "COMP_CWORD": str(len(args)),
        "TRACKER_CONFIG": str(config),
    }
    result = CliRunner().invoke(main, [], env=env, prog_name="tracker")
    assert result.exit_code == 0, result.output
    return [line.split(",", 1)[1] for line in result.output.splitlines() if line.startswith("plain,")]


def test_completion_offers_feed_ids_tags_and_subject_ids_from_feeds_toml(tmp_path: Path) -> None:
    config = tmp_path / "feeds.toml"
    with FeedServer() as server:
        write_feeds(config, server)
    assert complete(config, "fetch --feed ") == ["wire", "paper", "paused", "search"]
    assert complete(config, "fetch --feed pa") == ["paper", "paused"]
    assert complete(config, "fetch --tag ") == ["outlet", "europe", "search"]
    assert complete(config, "feeds remove s") == ["search"]
    assert complete(config, "feeds reset w") == ["wire"]
    assert "us-embassy-minsk" in complete(config, "report --subject ")
    assert complete(config, "assert belavia") == ["belavia-sanctions"]
    elsewhere = tmp_path / "missing.toml"  # the environment's file; the command line names another
    assert complete(elsewhere, f"fetch --config {config} --feed w") == ["wire"]
    assert complete(elsewhere, f"feeds --config {config} remove w") == ["wire"]


def test_completion_of_an_unreadable_feeds_toml_offers_nothing_and_prints_no_error(tmp_path: Path) -> None:
    config = tmp_path / "feeds.toml"
    config.write_text("[[feeds]\n", encoding="utf-8")
    assert complete(config, "fetch --feed ") == []
    assert "us-embassy-minsk" in complete(config, "report --subject ")
