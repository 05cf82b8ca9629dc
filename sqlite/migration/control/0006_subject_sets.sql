-- The subject keys of each event, kept as one row per event written in the
-- event's own transaction, and indexed by key in the background.

-- The keys an event concerns (listed in the entry or committed to by it):
-- sorted, each its 32 bytes (the decoded hex key), concatenated. One
-- sequential write per event, however many people it concerns; how one
-- person's presence in a committed set is proven.
CREATE TABLE event_subject_sets (
	idx  INTEGER PRIMARY KEY, -- the event's index in the log
	keys BLOB NOT NULL
);

-- The index by subject key, built from the sets in batches, in order of
-- the events: it holds every set with idx < subject_index_state.next and
-- no other. Lookups read it for those, and scan the sets from next on.
CREATE TABLE event_subject_index (
	subject_key BLOB NOT NULL, -- 32 bytes
	idx         INTEGER NOT NULL,
	PRIMARY KEY (subject_key, idx)
) WITHOUT ROWID;

CREATE TABLE subject_index_state (
	one  INTEGER PRIMARY KEY CHECK (one = 1),
	next INTEGER NOT NULL
);

-- Move the keys of the per-key table of 0002 (hex text, indexed in the
-- event's transaction): every one of its events is indexed already.
INSERT INTO event_subject_sets (idx, keys)
SELECT idx, unhex(group_concat(subject_key, '' ORDER BY subject_key))
FROM event_subjects GROUP BY idx;

INSERT INTO event_subject_index (subject_key, idx)
SELECT unhex(subject_key), idx FROM event_subjects ORDER BY subject_key, idx;

INSERT INTO subject_index_state (one, next)
VALUES (1, COALESCE((SELECT MAX(idx) + 1 FROM event_subjects), 0));

DROP TABLE event_subjects;
