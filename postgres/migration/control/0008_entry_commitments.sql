-- Public entries are commitments. From here on, events.data holds the
-- public entry of the transparency log (a version byte and the SHA-256 of
-- the salt and the event), events.event the event's canonical JSON and
-- events.salt the entry's random salt: neither is ever served publicly.
-- Entries written before keep the event in data, with event and salt NULL.
ALTER TABLE events ADD COLUMN event BYTEA;
ALTER TABLE events ADD COLUMN salt BYTEA;
