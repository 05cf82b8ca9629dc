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
CREATE INDEX records_ingest_id ON records (ingest_id);
