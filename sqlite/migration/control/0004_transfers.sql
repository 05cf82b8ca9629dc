-- Cross-border transfers, their exports, and the year-to-date counters of
-- distinct people exported per org and calendar year.

-- A transfer's request, facts, decision and evidence are kept as JSON in
-- data; status is kept beside it for filtering.
CREATE TABLE transfers (
	id         INTEGER PRIMARY KEY,
	org_id     INTEGER NOT NULL REFERENCES orgs (id),
	dataset_id INTEGER NOT NULL REFERENCES datasets (id),
	status     TEXT NOT NULL,
	data       TEXT NOT NULL,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);

CREATE INDEX transfers_org_id ON transfers (org_id, id);

-- One row per release of records under a transfer; event_idx is its audit
-- entry, which commits to the set of subject keys released.
CREATE TABLE transfer_exports (
	id          INTEGER PRIMARY KEY,
	transfer_id INTEGER NOT NULL REFERENCES transfers (id),
	event_idx   INTEGER NOT NULL,
	data        TEXT NOT NULL,
	created_at  TEXT NOT NULL
);

CREATE INDEX transfer_exports_transfer_id ON transfer_exports (transfer_id, id);

-- The counters: for each org, calendar year and counter (0 people whose
-- personal information other than sensitive PI left, 1 people whose
-- sensitive PI left), the set of their subject keys (32 bytes, the
-- decoded hex key) and its size, kept exact in the same transaction as
-- each export. A key already in a set is not added again, so a person
-- exported twice in a year counts once.
CREATE TABLE transfer_counters (
	org_id  INTEGER NOT NULL REFERENCES orgs (id),
	year    INTEGER NOT NULL,
	counter INTEGER NOT NULL,
	count   INTEGER NOT NULL,
	PRIMARY KEY (org_id, year, counter)
);

CREATE TABLE transfer_subjects (
	org_id  INTEGER NOT NULL,
	year    INTEGER NOT NULL,
	counter INTEGER NOT NULL,
	subject BLOB NOT NULL,
	PRIMARY KEY (org_id, year, counter, subject)
) WITHOUT ROWID;
