-- A petition that is final (终结) is not accepted again from the same petitioner on the same
-- subject: intake looks for final petitions by keys naming the petitioner (digests, never
-- the personal data itself).
ALTER TABLE matters ADD COLUMN final BOOLEAN NOT NULL DEFAULT false;
CREATE TABLE petitioner_keys (
    key BYTEA NOT NULL,
    matter_id BIGINT NOT NULL,
    PRIMARY KEY (key, matter_id)
);
