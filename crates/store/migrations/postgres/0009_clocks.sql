-- Deadlines now come from a matter's running clocks, in any state, not only from an
-- assignment's report-back date: the column says so, and its indexes follow.
ALTER TABLE matters RENAME COLUMN report_by TO due_at;
DROP INDEX matters_unanswered_by_deadline;
DROP INDEX matters_by_report_by;
CREATE INDEX matters_by_deadline ON matters(due_at, id) WHERE due_at IS NOT NULL;

-- Whose decision a matter waits on: a return to re-route, an extension to approve.
ALTER TABLE matters ADD COLUMN waiting_for TEXT;
ALTER TABLE matters ADD COLUMN waiting_unit_id BIGINT;
CREATE INDEX matters_waiting ON matters(waiting_for, waiting_unit_id, id) WHERE waiting_for IS NOT NULL;

-- Timers are rows: each running clock's reminder and overdue mark (or a window's expiry),
-- replaced with the matter's projection in the same transaction. The scheduler reads the
-- earliest by fire_at, so a tick costs what is due, not what is open.
CREATE TABLE timers (
    matter_id BIGINT NOT NULL,
    clock TEXT NOT NULL,
    kind TEXT NOT NULL,
    fire_at BIGINT NOT NULL,
    due BIGINT NOT NULL,
    run BIGINT NOT NULL,
    PRIMARY KEY (matter_id, clock, kind)
);
CREATE INDEX timers_by_fire_at ON timers(fire_at);

-- Holiday notices entered by an administrator; each replaces the built-in days of its year.
CREATE TABLE calendar_notices (
    year INTEGER PRIMARY KEY,
    days TEXT NOT NULL,
    entered_by BIGINT NOT NULL,
    entered_at BIGINT NOT NULL
);

-- Editable settings (time-limit policies, later warning rules) as JSON, and every change.
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_by BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE TABLE settings_log (
    id BIGSERIAL PRIMARY KEY,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    changed_by BIGINT NOT NULL,
    changed_at BIGINT NOT NULL
);
CREATE INDEX settings_log_by_key ON settings_log(key, id);
