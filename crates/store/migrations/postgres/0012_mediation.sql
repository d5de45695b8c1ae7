-- People's mediation. The projection names the mediator a dispute is with, so a committee can
-- weigh its mediators' loads by their open matters without reading any matter's events.
ALTER TABLE matters ADD COLUMN mediator_id BIGINT;
CREATE INDEX matters_open_by_mediator ON matters(mediator_id)
    WHERE status <> 'closed' AND mediator_id IS NOT NULL;

-- What each mediator is skilled in (category codes: neighbour, land, medical, …), replaced as
-- a whole when edited.
CREATE TABLE mediator_specialities (
    user_id BIGINT NOT NULL REFERENCES users(id),
    category TEXT NOT NULL,
    PRIMARY KEY (user_id, category)
);

-- The professional field of a professional mediation committee (medical, traffic, labour, …).
CREATE TABLE committee_fields (
    unit_id BIGINT PRIMARY KEY REFERENCES units(id),
    category TEXT NOT NULL
);
