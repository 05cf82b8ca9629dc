-- The subject keys of each event, kept as one row per event written in the
-- event's own transaction, and indexed by key in the background.

-- The keys an event concerns (listed in the entry or committed to by it):
-- sorted, each its 32 bytes (the decoded hex key), concatenated. One
-- sequential write per event, however many people it concerns; how one
-- person's presence in a committed set is proven.
CREATE TABLE event_subject_sets (
	idx  BIGINT PRIMARY KEY, -- the event's index in the log
	keys BYTEA NOT NULL
);

-- The index by subject key, built from the sets in batches, in order of
-- the events: it holds every set with idx < subject_index_state.next and
-- no other. Lookups read it for those, and scan the sets from next on.
-- One replica indexes at a time: it holds the state row's lock.
CREATE TABLE event_subject_index (
	subject_key BYTEA NOT NULL, -- 32 bytes
	idx         BIGINT NOT NULL,
	PRIMARY KEY (subject_key, idx)
);

CREATE TABLE subject_index_state (
	one  BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one),
	next BIGINT NOT NULL
);

-- Move the keys of the per-key table of 0002 (hex text, indexed in the
-- event's transaction): every one of its events is indexed already.
INSERT INTO event_subject_sets (idx, keys)
SELECT idx, decode(string_agg(subject_key, '' ORDER BY subject_key COLLATE "C"), 'hex')
FROM event_subjects GROUP BY idx;

INSERT INTO event_subject_index (subject_key, idx)
SELECT decode(subject_key, 'hex'), idx FROM event_subjects;

INSERT INTO subject_index_state (one, next)
SELECT TRUE, COALESCE(MAX(idx) + 1, 0) FROM event_subjects;

DROP TABLE event_subjects;
