-- Record store of one region. Records of an ingest stay invisible until the
-- ingest is committed (its audit event durable in the control store).
CREATE TABLE record_ingests (
	id         INTEGER PRIMARY KEY,
	dataset_id INTEGER NOT NULL,
	state      TEXT NOT NULL
);

CREATE TABLE records (
	id          INTEGER PRIMARY KEY,
	dataset_id  INTEGER NOT NULL,
	ingest_id   INTEGER NOT NULL,
	subject_key TEXT NOT NULL,
	data        BLOB NOT NULL
);

CREATE INDEX records_dataset_id ON records (dataset_id, id);

-- The id ranges an ingest wrote, one row per write transaction, so that a
-- failed ingest is removed by range without an index on ingest_id.
CREATE TABLE record_batches (
	ingest_id INTEGER NOT NULL,
	first_id  INTEGER NOT NULL,
	last_id   INTEGER NOT NULL,
	PRIMARY KEY (ingest_id, first_id)
);
