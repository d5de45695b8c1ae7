-- A user's saved list filters: a name and the list's query string.
CREATE TABLE saved_filters (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    query TEXT NOT NULL
);
CREATE INDEX saved_filters_by_user ON saved_filters(user_id, id);
