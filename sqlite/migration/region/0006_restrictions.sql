-- Subject requests: a restricted record is kept but never served or
-- exported. (A person's records are found by a scan of each dataset, which
-- also finds them in other fields: an index on subject_key would cost
-- every ingest two thirds of its speed for that one lookup.)

CREATE TABLE record_restrictions (
	record_id  INTEGER PRIMARY KEY,
	dataset_id INTEGER NOT NULL,
	request_id INTEGER NOT NULL,
	reason     TEXT NOT NULL
);

CREATE INDEX record_restrictions_dataset ON record_restrictions (dataset_id);
