-- Three-colour warnings (三色预警). A subject (a matter, or a cluster of matters about one
-- place, employer or project) has at most one open warning: the unique index on the key among
-- open rows makes raising idempotent across restarts and app nodes.
CREATE TABLE warnings (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    version INTEGER NOT NULL,
    level TEXT NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    unit_path TEXT NOT NULL,
    raised_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    closed_at INTEGER,
    detail TEXT NOT NULL
);
CREATE UNIQUE INDEX warnings_open_key ON warnings(key) WHERE closed_at IS NULL;
CREATE INDEX warnings_by_path ON warnings(unit_path, id);

-- The matters a warning is about, to show a matter's warnings on its page.
CREATE TABLE warning_members (
    matter_id INTEGER NOT NULL,
    warning_id INTEGER NOT NULL REFERENCES warnings(id),
    PRIMARY KEY (matter_id, warning_id)
) WITHOUT ROWID;

-- What happened to each warning: raised, escalated, responded, closed.
CREATE TABLE warning_log (
    id INTEGER PRIMARY KEY,
    warning_id INTEGER NOT NULL REFERENCES warnings(id),
    at INTEGER NOT NULL,
    happening TEXT NOT NULL,
    level TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX warning_log_by_warning ON warning_log(warning_id, id);
