-- Units a user may also act for, besides their own (the unit switcher).
CREATE TABLE user_units (
    user_id BIGINT NOT NULL REFERENCES users(id),
    unit_id BIGINT NOT NULL REFERENCES units(id),
    PRIMARY KEY (user_id, unit_id)
);
