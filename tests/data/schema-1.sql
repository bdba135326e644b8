-- A store as schema 1 created it (sqlite3 .schema of a store written before the first migration).
-- Loaded by tests/test_migrations.py with application_id = 0x54524B31 and user_version = 1.
CREATE TABLE events (
    position        INTEGER PRIMARY KEY,            -- global order; assigned under the write lock
    id              TEXT NOT NULL UNIQUE,           -- deterministic: the same observation, the same id
    stream          TEXT NOT NULL,
    version         INTEGER NOT NULL,               -- 1, 2, ... within the stream
    type            TEXT NOT NULL,                  -- registry name, never a Python path
    schema_version  INTEGER NOT NULL DEFAULT 1,
    data            TEXT NOT NULL CHECK (json_valid(data)),
    meta            TEXT NOT NULL CHECK (json_valid(meta)),
    occurred_at     TEXT,                           -- world time, ISO-8601 UTC (NULL if unknown)
    recorded_at     TEXT NOT NULL,                  -- when we recorded it, ISO-8601 UTC
    prev_hash       TEXT NOT NULL,
    hash            TEXT NOT NULL,
    UNIQUE (stream, version)
) STRICT;
CREATE INDEX events_type ON events (type, position);
CREATE INDEX events_recorded_at ON events (recorded_at);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only: UPDATE refused'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only: DELETE refused'); END;
CREATE TRIGGER events_no_replace BEFORE INSERT ON events
WHEN EXISTS (SELECT 1 FROM events WHERE id = NEW.id OR position = NEW.position)
BEGIN SELECT RAISE(ABORT, 'events are append-only: the event exists'); END;
CREATE TRIGGER events_dense_positions BEFORE INSERT ON events
WHEN NEW.position IS NOT (SELECT coalesce(max(position), 0) + 1 FROM events)
BEGIN SELECT RAISE(ABORT, 'events are append-only: position must follow the last event'); END;
CREATE TABLE projection_checkpoints (
    name         TEXT PRIMARY KEY,
    fingerprint  TEXT NOT NULL,     -- projection version + rules it depends on; a change rebuilds
    position     INTEGER NOT NULL,  -- last event position folded in
    updated_at   TEXT NOT NULL
) STRICT;
CREATE TABLE projection_errors (
    name        TEXT NOT NULL,
    position    INTEGER NOT NULL,
    error       TEXT NOT NULL,
    first_seen  TEXT NOT NULL,
    last_seen   TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (name, position)
) STRICT;
CREATE TABLE feed_state (
    feed_id               TEXT PRIMARY KEY,
    url                   TEXT NOT NULL,
    etag                  TEXT,
    last_modified         TEXT,
    body_hash             TEXT,
    ttl_seconds           INTEGER,         -- the feed's own <ttl>, from the last parsed body
    last_poll_at          TEXT,
    last_success_at       TEXT,
    last_status           INTEGER,
    last_outcome          TEXT,
    last_error            TEXT,
    consecutive_failures  INTEGER NOT NULL DEFAULT 0,
    next_due_at           TEXT,
    backoff_reason        TEXT,
    gone                  INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE TABLE polls (
    id              INTEGER PRIMARY KEY,
    feed_id         TEXT NOT NULL,
    url             TEXT NOT NULL,
    started_at      TEXT NOT NULL,
    duration_ms     INTEGER NOT NULL,
    outcome         TEXT NOT NULL,       -- ok | not-modified | unchanged | failed
    status          INTEGER,
    error_category  TEXT,
    error           TEXT,
    etag            TEXT,
    last_modified   TEXT,
    bytes           INTEGER NOT NULL DEFAULT 0,
    entries         INTEGER NOT NULL DEFAULT 0,
    new_articles    INTEGER NOT NULL DEFAULT 0,
    revisions       INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX polls_feed ON polls (feed_id, started_at);
CREATE INDEX polls_started ON polls (started_at);
CREATE TABLE daemon_heartbeat (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    pid         INTEGER NOT NULL,
    started_at  TEXT NOT NULL,
    beat_at     TEXT NOT NULL,
    detail      TEXT NOT NULL CHECK (json_valid(detail))
) STRICT;
CREATE TABLE articles (
    stream          TEXT PRIMARY KEY,      -- article:<feed>:<key digest>, the article's event stream
    feed_id         TEXT NOT NULL,
    entry_key       TEXT NOT NULL,
    guid            TEXT,
    link            TEXT,
    title           TEXT,
    author          TEXT,
    published       TEXT,                  -- ISO-8601 UTC, NULL when the feed gave no usable date
    published_raw   TEXT,                  -- the date exactly as the feed gave it
    summary         TEXT,
    content         TEXT,
    content_hash    TEXT NOT NULL,
    revisions       INTEGER NOT NULL,      -- 1 for an article never revised
    first_seen_at   TEXT NOT NULL,         -- recorded_at of its first version
    revised_at      TEXT,                  -- recorded_at of its latest revision, if any
    first_position  INTEGER NOT NULL,
    position        INTEGER NOT NULL       -- event position of the current version
) STRICT
;
CREATE INDEX articles_feed ON articles (feed_id, published);
CREATE INDEX articles_published ON articles (published);
CREATE TABLE feed_status (
    feed_id          TEXT PRIMARY KEY,
    health           TEXT NOT NULL DEFAULT 'ok',  -- ok | failing | gone
    health_since     TEXT,                        -- recorded_at of the last health change
    category         TEXT,                        -- failure category while failing
    reason           TEXT,                        -- failure reason while failing
    moved_to         TEXT,                        -- target of a permanent redirect, if one was seen
    failures_recorded INTEGER NOT NULL DEFAULT 0, -- FeedFailed events so far
    articles         INTEGER NOT NULL DEFAULT 0,
    revisions        INTEGER NOT NULL DEFAULT 0,
    last_article_at  TEXT                         -- recorded_at of the newest article
) STRICT
;
CREATE VIEW feed_health AS
SELECT
    coalesce(s.feed_id, f.feed_id) AS feed_id,
    s.url, coalesce(f.health, 'ok') AS health, f.health_since, f.category, f.reason, f.moved_to,
    s.last_poll_at, s.last_success_at, s.last_status, s.last_outcome, s.last_error,
    coalesce(s.consecutive_failures, 0) AS consecutive_failures, s.next_due_at, s.backoff_reason,
    s.etag, s.last_modified, coalesce(f.articles, 0) AS articles, coalesce(f.revisions, 0) AS revisions,
    f.last_article_at
FROM feed_state AS s LEFT JOIN feed_status AS f ON f.feed_id = s.feed_id
UNION ALL
SELECT f.feed_id, NULL, f.health, f.health_since, f.category, f.reason, f.moved_to,
    NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, f.articles, f.revisions, f.last_article_at
FROM feed_status AS f WHERE f.feed_id NOT IN (SELECT feed_id FROM feed_state)
/* feed_health(feed_id,url,health,health_since,category,reason,moved_to,last_poll_at,last_success_at,last_status,last_outcome,last_error,consecutive_failures,next_due_at,backoff_reason,etag,last_modified,articles,revisions,last_article_at) */;
CREATE TABLE facts (
    fact_id         TEXT NOT NULL,     -- stable across revisions that keep the sentence
    position        INTEGER NOT NULL,  -- event position of the article version it came from
    superseded_at   INTEGER,           -- position of the revision that replaced that version
    stream          TEXT NOT NULL,     -- the article's stream (articles.stream)
    revision        INTEGER NOT NULL,
    feed_id         TEXT NOT NULL,
    url             TEXT,
    title           TEXT,
    published       TEXT,
    subject         TEXT NOT NULL,
    state           TEXT,              -- target state (state subjects)
    count           INTEGER,           -- released count (tally subjects)
    modality        TEXT NOT NULL,     -- asserted, negated, hedged, intent, promise, conditional, ...
    moves           INTEGER NOT NULL,  -- 1 if the subject's rules let this claim change it
    reversal        INTEGER NOT NULL,
    event_date      TEXT NOT NULL,     -- YYYY-MM-DD (first of the month/year at coarser precision)
    date_precision  TEXT NOT NULL,     -- day | month | year
    date_basis      TEXT NOT NULL,     -- sentence | published | unknown
    sentence        TEXT NOT NULL,     -- the evidence, exactly text[start:end]
    start           INTEGER NOT NULL,
    "end"           INTEGER NOT NULL,
    cue             TEXT NOT NULL,
    quote           TEXT,
    names           TEXT NOT NULL,     -- JSON array of named people
    extractor       TEXT NOT NULL,
    PRIMARY KEY (fact_id, position)
) STRICT
;
CREATE INDEX facts_subject ON facts (subject, event_date);
CREATE INDEX facts_stream ON facts (stream, superseded_at);
CREATE TABLE assertions (
        fact_id      TEXT PRIMARY KEY,   -- the FactAsserted event's id
        position     INTEGER NOT NULL,
        recorded_at  TEXT NOT NULL,
        subject      TEXT NOT NULL,
        state        TEXT,
        count        INTEGER,
        date         TEXT NOT NULL,
        date_precision TEXT NOT NULL,
        source       TEXT NOT NULL,
        note         TEXT,
        analyst      TEXT
    ) STRICT
    ;
CREATE TABLE retractions (
        fact_id      TEXT PRIMARY KEY,   -- a facts.fact_id or an assertions.fact_id
        position     INTEGER NOT NULL,
        recorded_at  TEXT NOT NULL,
        reason       TEXT NOT NULL,
        analyst      TEXT
    ) STRICT
    ;
CREATE TABLE subject_state (
        subject         TEXT PRIMARY KEY,
        title           TEXT NOT NULL,
        kind            TEXT NOT NULL,    -- state | tally
        state           TEXT,
        state_label     TEXT,
        total           INTEGER,          -- tally subjects
        since           TEXT,             -- YYYY-MM-DD
        date_precision  TEXT NOT NULL,
        analyst         INTEGER NOT NULL, -- 1 when an analyst's assertion set it
        quote           TEXT,
        evidence        TEXT NOT NULL,    -- JSON [{sentence, url, modality, analyst}]
        sources         TEXT NOT NULL,    -- JSON [{url, title, feed, published, publisher, retrospective}]
        conflicts       TEXT NOT NULL     -- JSON [{state, count, sources, evidence}]
    ) STRICT
    ;
CREATE TABLE timeline (
        seq             INTEGER PRIMARY KEY,  -- stable order: date, then subject
        date            TEXT NOT NULL,
        date_precision  TEXT NOT NULL,
        subject         TEXT NOT NULL,
        kind            TEXT NOT NULL,    -- initial | change | reaffirmed | release
        state           TEXT,
        count           INTEGER,
        summary         TEXT NOT NULL,
        publishers      INTEGER NOT NULL, -- distinct publishers reporting it
        analyst         INTEGER NOT NULL,
        quote           TEXT,
        sources         TEXT NOT NULL,
        evidence        TEXT NOT NULL,
        conflicts       TEXT NOT NULL
    ) STRICT
    ;
