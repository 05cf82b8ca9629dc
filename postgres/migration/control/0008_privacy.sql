-- Public entries are commitments. From here on, events.data holds the
-- public entry of the transparency log (a version byte and the SHA-256 of
-- the salt and the event), events.event the event's canonical JSON and
-- events.salt the entry's random salt: neither is ever served publicly.
-- Entries written before keep the event in data, with event and salt NULL.
ALTER TABLE events ADD COLUMN event BYTEA;
ALTER TABLE events ADD COLUMN salt BYTEA;

-- Subject keys are scoped per org. Sets rescoped from server-wide keys
-- keep, in legacy_keys, the keys as their entry was written, aligned with
-- keys (the i-th key of legacy_keys is the old form of the i-th of keys),
-- so that an entry written before can still be proven to concern a
-- person. subject_key_scope holds one row once every stored key of this
-- store is org-scoped.
ALTER TABLE event_subject_sets ADD COLUMN legacy_keys BYTEA;

CREATE TABLE subject_key_scope (
	one     BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one),
	version INTEGER NOT NULL
);
