"""Realistic, deterministic news text and feed documents for the benchmarks (no tracker imports).

Articles read like wire copy: paragraphs of varied sentences with names, titles, abbreviations
("Mr.", "U.S.", "p.m."), quotes, numbers, dates and inline HTML (links, emphasis, entities), so
that HTML conversion and sentence splitting cost what they cost on real feeds. A chosen share of
articles also carries one or two sentences from the labelled set (`tracker/extract/labelled.jsonl`),
which speak of the tracked subjects, hedged and negated ones included; the rest never name them,
though a few use look-alike words (other embassies, other sanctions, other prisoners).
"""

from __future__ import annotations

import hashlib
import html
import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LABELLED = ROOT / "tracker" / "extract" / "labelled.jsonl"
BASE_TIME = datetime(2025, 6, 1, 6, tzinfo=UTC)

_FIRST = [
    "Anna",
    "David",
    "Maria",
    "Tomasz",
    "Elena",
    "James",
    "Ingrid",
    "Kenji",
    "Fatima",
    "Lucas",
    "Olga",
    "Pedro",
    "Sarah",
    "Viktor",
    "Amara",
    "Henrik",
    "Chloe",
    "Rahul",
    "Greta",
    "Mateo",
]
_LAST = [
    "Novak",
    "Fischer",
    "Okafor",
    "Lindqvist",
    "Moreau",
    "Tanaka",
    "Reyes",
    "Kowalski",
    "Byrne",
    "Haddad",
    "Petrov",
    "Silva",
    "Jansen",
    "Costa",
    "Nakamura",
    "Schmidt",
    "Murphy",
    "Rossi",
]
_ROLES = [
    "the finance minister",
    "a senior economist at the bank",
    "the city's deputy mayor",
    "a spokesperson for the ministry",
    "the head of the transport authority",
    "Dr.",
    "the coach",
    "a professor of public policy",
    "the union's general secretary",
    "Mr.",
    "Ms.",
]
_ACTORS = [
    "The central bank",
    "The city council",
    "Regional officials",
    "The opposition party",
    "A district court",
    "The health ministry",
    "Shareholders",
    "The national team",
    "Farmers in the south",
    "The weather service",
    "Economists at two large banks",
    "The transport authority",
    "Teachers' unions",
    "The energy regulator",
    "A panel of judges",
    "The U.K. competition watchdog",
    "Port operators",
    "The European Commission",
    "Hospital managers",
    "Airline executives",
    "Local residents",
    "The state statistics office",
]
_ACTIONS = [
    "raised interest rates by a quarter point",
    "said inflation had slowed for a third month",
    "released quarterly figures showing growth of {pct} percent",
    "closed the session slightly higher after a volatile week",
    "warned that heavy rain could flood low-lying districts",
    "approved a budget of {money}",
    "postponed a vote on the new building code until {month}",
    "won {score} in front of {crowd} fans",
    "lifted a ban on night-time construction work",
    "reported a record harvest despite the dry summer",
    "announced that tickets for the festival would be free for students",
    "called for a review of the pension system",
    "opened a new terminal at the regional airport",
    "confirmed that {small} people were injured in the collision",
    "rejected the proposal by {small} votes",
    "expects fuel prices to remain high through the winter",
    "promised to publish the full report in {month}",
    "cut its growth forecast to {pct} percent",
    "signed a {small}-year contract with a Dutch supplier",
    "recalled {crowd} vehicles over a braking fault",
    "hired {small} additional inspectors",
    "agreed a wage deal worth {pct} percent over two years",
    "delayed the launch of its new app",
    "sold its stake in the logistics business for {money}",
]
_WHEN = [
    "on Monday",
    "on Tuesday",
    "late on Wednesday",
    "on Thursday",
    "on Friday morning",
    "this week",
    "at 3 p.m. local time",
    "on {month} {day}",
    "earlier this month",
    "over the weekend",
    "",
]
_TAILS = [
    "",
    ", officials said",
    ", according to a statement",
    ", the agency reported",
    ", in a move welcomed by business groups",
    ", though critics were unconvinced",
    ", the first such step since {year}",
    ", citing figures from the statistics office",
]
_QUOTES = [
    "We are watching the situation very closely",
    "This is a good day for the region",
    "Nobody expected the numbers to be this strong",
    "We will not change course",
    "The decision was taken after long consultations",
    "It is too early to say what comes next",
    "Prices should stabilise by the spring",
    "Our members deserve a fair deal",
]
_LOOKALIKES = [
    "The French embassy in Vilnius said it would extend its opening hours in {month}.",
    "Britain announced new sanctions on two shipping firms on Friday.",
    "Rights groups said 40 prisoners were moved to a new facility in the north.",
    "The airline said its Boeing fleet would be serviced in Warsaw from {month}.",
]
_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_HEADLINES = [
    "Markets wrap",
    "Weather warning for the coast",
    "Council votes on housing plan",
    "Sport roundup",
    "Regional news in brief",
    "Economy: what the new figures mean",
    "Transport strike called off",
    "Harvest season in numbers",
    "Court rules on zoning dispute",
]


def _fill(template: str, rng: random.Random) -> str:
    return template.format(
        pct=f"{rng.randint(0, 9)}.{rng.randint(0, 9)}",
        money=f"{rng.randint(2, 900)}.{rng.randint(1, 9)} million euros",
        month=rng.choice(_MONTHS),
        day=rng.randint(1, 28),
        score=f"{rng.randint(0, 5)}-{rng.randint(0, 4)}",
        crowd=f"{rng.randint(2, 90)},{rng.randint(100, 999)}",
        small=rng.randint(2, 60),
        year=rng.randint(1998, 2024),
    )


def _sentence(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.15:
        name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
        role = rng.choice(_ROLES)
        speaker = f"{role} {name}" if role.endswith(".") else f"{name}, {role},"
        return f"“{rng.choice(_QUOTES)},” said {speaker.rstrip(',')}."
    text = f"{rng.choice(_ACTORS)} {rng.choice(_ACTIONS)} {rng.choice(_WHEN)}{rng.choice(_TAILS)}"
    return _fill(" ".join(text.split()) + ".", rng)


def _inline_html(sentence: str, rng: random.Random) -> str:
    escaped = html.escape(sentence, quote=False)
    roll = rng.random()
    if roll < 0.08:
        words = escaped.split(" ")
        i = rng.randrange(len(words))
        words[i] = f'<a href="https://news.example/topic/{rng.randint(1, 999)}">{words[i]}</a>'
        return " ".join(words)
    if roll < 0.12:
        return f"<em>{escaped}</em>"
    return escaped


@cache
def subject_sentences() -> tuple[str, ...]:
    """Texts from the labelled set that speak of a tracked subject (positive or adversarial)."""
    rows = [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines() if line.strip()]
    return tuple(row["text"] for row in rows if len(row["text"]) < 400)


@dataclass(frozen=True, slots=True)
class Article:
    key: str
    title: str
    link: str
    published: datetime
    summary: str  # short HTML
    content: str  # full HTML body (empty when only a summary is wanted)
    relevant: bool


def article(rng: random.Random, key: str, published: datetime, *, size: int, relevant: bool) -> Article:
    """One article of about `size` bytes of HTML; with `size` 0, a one-paragraph summary only."""
    paragraphs: list[str] = []
    length = 0
    target = max(size, 1)
    while length < target:
        sentences = [_sentence(rng) for _ in range(rng.randint(2, 5))]
        if rng.random() < 0.02:
            sentences.append(_fill(rng.choice(_LOOKALIKES), rng))
        paragraph = "<p>" + " ".join(_inline_html(s, rng) for s in sentences) + "</p>"
        paragraphs.append(paragraph)
        length += len(paragraph) + 1
    if relevant:
        for text in rng.sample(subject_sentences(), rng.randint(1, 2)):
            paragraphs.insert(rng.randrange(len(paragraphs) + 1), f"<p>{html.escape(text, quote=False)}</p>")
    body = "\n".join(paragraphs)
    summary = paragraphs[0][:400].rsplit(" ", 1)[0] + "…</p>"
    return Article(
        key=key,
        title=f"{rng.choice(_HEADLINES)} ({key})",
        link=f"https://news.example/{key}",
        published=published,
        summary=body if size == 0 else summary,
        content="" if size == 0 else body,
        relevant=relevant,
    )


def articles(seed: int, count: int, *, size: int, relevant_share: float, prefix: str) -> list[Article]:
    rng = random.Random(seed)
    return [
        article(
            rng,
            f"{prefix}-{i}",
            BASE_TIME + timedelta(minutes=7 * i + seed % 7),
            size=size,
            relevant=rng.random() < relevant_share,
        )
        for i in range(count)
    ]


def content_hash(item: Article) -> str:
    return hashlib.sha256(f"{item.title}\x1f{item.summary}\x1f{item.content}".encode()).hexdigest()


# --- feed documents -------------------------------------------------------------------------------


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def rss(title: str, link: str, items: list[Article]) -> bytes:
    entries = "".join(
        f"<item><title>{html.escape(a.title)}</title><link>{a.link}</link>"
        f'<guid isPermaLink="false">{a.key}</guid>'
        f"<pubDate>{format_datetime(a.published, usegmt=True)}</pubDate>"
        f"<dc:creator>{rng_free_author(a.key)}</dc:creator>"
        f"<description>{_cdata(a.summary)}</description>"
        + (f"<content:encoded>{_cdata(a.content)}</content:encoded>" if a.content else "")
        + "</item>\n"
        for a in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        f"<title>{html.escape(title)}</title><link>{link}</link><description>{html.escape(title)}</description>"
        f"<language>en</language>\n{entries}</channel></rss>\n"
    ).encode()


def atom(title: str, link: str, items: list[Article]) -> bytes:
    entries = "".join(
        f'<entry><title>{html.escape(a.title)}</title><link rel="alternate" href="{a.link}"/>'
        f"<id>tag:news.example,2025:{a.key}</id><updated>{a.published.isoformat()}</updated>"
        f"<published>{a.published.isoformat()}</published>"
        f"<author><name>{rng_free_author(a.key)}</name></author>"
        f'<summary type="html">{html.escape(a.summary)}</summary>'
        + (f'<content type="html">{html.escape(a.content)}</content>' if a.content else "")
        + "</entry>\n"
        for a in items
    )
    updated = max((a.published for a in items), default=BASE_TIME).isoformat()
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f'<title>{html.escape(title)}</title><link href="{link}"/><id>{link}</id>'
        f"<updated>{updated}</updated>\n{entries}</feed>\n"
    ).encode()


def rng_free_author(key: str) -> str:
    digest = hashlib.sha256(key.encode()).digest()
    return f"{_FIRST[digest[0] % len(_FIRST)]} {_LAST[digest[1] % len(_LAST)]}"
