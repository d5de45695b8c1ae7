-- The matter ledger: org tree, users, tokens, the sealed event log and its projections.
CREATE TABLE units (
    id INTEGER PRIMARY KEY,
    parent_id INTEGER REFERENCES units(id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    code TEXT,
    path TEXT NOT NULL UNIQUE
);

CREATE TABLE categories (
    code TEXT PRIMARY KEY,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    position INTEGER NOT NULL
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    password_hash TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL
);

CREATE TABLE auth_tokens (
    hash BLOB PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;

-- The event log. Append-only (see the triggers); each row's hash seals it to the one before.
CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    matter_id INTEGER NOT NULL,
    version INTEGER NOT NULL,
    at INTEGER NOT NULL,
    actor INTEGER NOT NULL,
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    hash BLOB NOT NULL
);
CREATE UNIQUE INDEX events_by_matter ON events(matter_id, version);

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;

-- The chain head, one row: the last sealed event.
CREATE TABLE chain_head (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    seq INTEGER NOT NULL,
    hash BLOB NOT NULL
);
INSERT INTO chain_head VALUES (1, 0, zeroblob(32));

-- The list projection, written in the same transaction as the events.
CREATE TABLE matters (
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL,
    kind TEXT NOT NULL,
    channel TEXT NOT NULL,
    category TEXT NOT NULL,
    status TEXT NOT NULL,
    unit_id INTEGER NOT NULL,
    unit_path TEXT NOT NULL,
    lead_unit_id INTEGER,
    title TEXT NOT NULL,
    people_involved INTEGER NOT NULL,
    amount_fen INTEGER,
    registered_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    report_by INTEGER,
    closed_at INTEGER,
    reopen_count INTEGER NOT NULL
);
CREATE INDEX matters_by_registered ON matters(registered_at);
CREATE INDEX matters_by_status ON matters(status, id);
CREATE INDEX matters_by_unit ON matters(unit_path, id);

-- Which unit subtrees may see which matter: the place and every handling unit.
CREATE TABLE matter_access (
    unit_path TEXT NOT NULL,
    matter_id INTEGER NOT NULL,
    PRIMARY KEY (unit_path, matter_id)
) WITHOUT ROWID;
CREATE INDEX matter_access_by_matter ON matter_access(matter_id);

CREATE TABLE idempotency_keys (
    user_id INTEGER NOT NULL,
    key TEXT NOT NULL,
    matter_id INTEGER NOT NULL,
    fingerprint BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, key)
) WITHOUT ROWID;
