-- Per-user preferences that follow the user to any browser: the interface language.
CREATE TABLE user_prefs (
    user_id BIGINT PRIMARY KEY REFERENCES users(id),
    lang TEXT NOT NULL
);
