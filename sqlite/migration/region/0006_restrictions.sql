-- Subject requests: a person's records are found by subject key, and a
-- restricted record is kept but never served or exported.
CREATE INDEX records_subject_key ON records (subject_key);

CREATE TABLE record_restrictions (
	record_id  INTEGER PRIMARY KEY,
	dataset_id INTEGER NOT NULL,
	request_id INTEGER NOT NULL,
	reason     TEXT NOT NULL
);
