-- Audit log: the Merkle tree over the events, served per C2SP tlog-tiles.

-- Hash tiles: 32-byte hashes, up to 256 of them, of tree level 8 × level,
-- from index 256 × idx. Only the tile at the right edge of a level grows
-- as entries are integrated; full tiles never change.
CREATE TABLE log_tiles (
	level  INTEGER NOT NULL,
	idx    BIGINT NOT NULL,
	hashes BYTEA NOT NULL,
	PRIMARY KEY (level, idx)
);

-- The latest signed checkpoint, written with the tiles it commits to.
-- Replicas integrate one at a time (an advisory lock) and each checks
-- that the size it extends is still the stored one.
CREATE TABLE log_checkpoint (
	one        BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one),
	size       BIGINT NOT NULL,
	root       BYTEA NOT NULL,
	checkpoint BYTEA NOT NULL
);

-- The subject keys each event concerns, listed in the entry or committed
-- to by it (a Merkle root over the sorted keys): how one person's events
-- are found, and how their presence in a committed set is proven.
CREATE TABLE event_subjects (
	subject_key TEXT NOT NULL,
	idx         BIGINT NOT NULL,
	PRIMARY KEY (subject_key, idx)
);

CREATE INDEX event_subjects_idx ON event_subjects (idx, subject_key);
