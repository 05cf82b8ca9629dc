-- Record store of one region. Records of an ingest stay invisible until the
-- ingest is committed (its audit event durable in the control store).
CREATE TABLE record_ingests (
	id         BIGINT PRIMARY KEY,
	dataset_id BIGINT NOT NULL,
	state      TEXT NOT NULL
);

CREATE TABLE records (
	id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	dataset_id  BIGINT NOT NULL,
	ingest_id   BIGINT NOT NULL,
	subject_key TEXT NOT NULL,
	data        TEXT NOT NULL
);

CREATE INDEX records_dataset_id ON records (dataset_id, id);
CREATE INDEX records_ingest_id ON records (ingest_id);
