-- Control store: orgs, keys, datasets and their fields, ingests, audit events.
CREATE TABLE orgs (
	id         INTEGER PRIMARY KEY,
	name       TEXT NOT NULL UNIQUE,
	region     TEXT NOT NULL,
	sector     TEXT NOT NULL DEFAULT '',
	ciio       INTEGER NOT NULL DEFAULT 0,
	created_at TEXT NOT NULL
);

CREATE TABLE api_keys (
	id          TEXT PRIMARY KEY,
	org_id      INTEGER NOT NULL REFERENCES orgs (id),
	role        TEXT NOT NULL,
	secret_hash BLOB NOT NULL,
	created_at  TEXT NOT NULL,
	revoked_at  TEXT
);

CREATE TABLE datasets (
	id            INTEGER PRIMARY KEY,
	org_id        INTEGER NOT NULL REFERENCES orgs (id),
	name          TEXT NOT NULL,
	purpose       TEXT NOT NULL,
	subject_field TEXT NOT NULL,
	region        TEXT NOT NULL,
	record_count  INTEGER NOT NULL DEFAULT 0,
	grade         TEXT NOT NULL DEFAULT 'general',
	created_at    TEXT NOT NULL,
	updated_at    TEXT NOT NULL,
	UNIQUE (org_id, name)
);

CREATE TABLE fields (
	dataset_id INTEGER NOT NULL REFERENCES datasets (id),
	position   INTEGER NOT NULL,
	name       TEXT NOT NULL,
	categories TEXT NOT NULL DEFAULT '[]',
	sensitive  INTEGER NOT NULL DEFAULT 0,
	grade      TEXT NOT NULL DEFAULT 'general',
	non_empty  INTEGER NOT NULL DEFAULT 0,
	confirmed  INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (dataset_id, name)
);

CREATE TABLE ingests (
	id           INTEGER PRIMARY KEY,
	dataset_id   INTEGER NOT NULL REFERENCES datasets (id),
	region       TEXT NOT NULL,
	state        TEXT NOT NULL,
	record_count INTEGER NOT NULL DEFAULT 0,
	created_at   TEXT NOT NULL
);

-- Audit events in log order. idx is the entry's index in the transparency log.
CREATE TABLE events (
	idx  INTEGER PRIMARY KEY,
	data BLOB NOT NULL
);
