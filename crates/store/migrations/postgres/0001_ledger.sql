-- The matter ledger: org tree, users, tokens, the sealed event log and its projections.
CREATE TABLE units (
    id BIGSERIAL PRIMARY KEY,
    parent_id BIGINT REFERENCES units(id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    code TEXT,
    path TEXT COLLATE "C" NOT NULL UNIQUE
);

CREATE TABLE categories (
    code TEXT PRIMARY KEY,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    position INTEGER NOT NULL
);

CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    password_hash TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL
);

CREATE TABLE auth_tokens (
    hash BYTEA PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

-- The event log. Append-only (see the trigger); each row's hash seals it to the one before.
CREATE TABLE events (
    seq BIGINT PRIMARY KEY,
    matter_id BIGINT NOT NULL,
    version BIGINT NOT NULL,
    at BIGINT NOT NULL,
    actor BIGINT NOT NULL,
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    hash BYTEA NOT NULL
);
CREATE UNIQUE INDEX events_by_matter ON events(matter_id, version);

CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the event log is append-only';
END;
$$;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_append_only();

-- The chain head, one row: the last sealed event. Locked by each writing batch, so the
-- chain stays one line even with several application nodes.
CREATE TABLE chain_head (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    seq BIGINT NOT NULL,
    hash BYTEA NOT NULL
);
INSERT INTO chain_head VALUES (1, 0, decode(repeat('00', 32), 'hex'));

CREATE TABLE matters (
    id BIGINT PRIMARY KEY,
    version BIGINT NOT NULL,
    kind TEXT NOT NULL,
    channel TEXT NOT NULL,
    category TEXT NOT NULL,
    status TEXT NOT NULL,
    unit_id BIGINT NOT NULL,
    unit_path TEXT COLLATE "C" NOT NULL,
    lead_unit_id BIGINT,
    title TEXT NOT NULL,
    people_involved BIGINT NOT NULL,
    amount_fen BIGINT,
    registered_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    report_by BIGINT,
    closed_at BIGINT,
    reopen_count BIGINT NOT NULL
);
CREATE SEQUENCE matters_id_seq OWNED BY matters.id;
CREATE INDEX matters_by_registered ON matters(registered_at);
CREATE INDEX matters_by_status ON matters(status, id);
CREATE INDEX matters_by_unit ON matters(unit_path, id);

CREATE TABLE matter_access (
    unit_path TEXT COLLATE "C" NOT NULL,
    matter_id BIGINT NOT NULL,
    PRIMARY KEY (unit_path, matter_id)
);
CREATE INDEX matter_access_by_matter ON matter_access(matter_id);

CREATE TABLE idempotency_keys (
    user_id BIGINT NOT NULL,
    key TEXT NOT NULL,
    matter_id BIGINT NOT NULL,
    fingerprint BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, key)
);
