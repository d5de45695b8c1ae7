-- Failed sign-ins, for lockout after repeated failures. Cleared on success; old rows pruned.
CREATE TABLE login_failures (
    username TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX login_failures_by_user ON login_failures(username, at);
