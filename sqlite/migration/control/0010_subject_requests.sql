-- Data-subject requests and legal holds. A request keeps the person's
-- subject keys (a JSON array), never their identifiers; a correction's
-- new value is kept only until the request is fulfilled. Times are
-- fixed-width RFC 3339 UTC, so that text order is time order.
CREATE TABLE subject_requests (
	id               INTEGER PRIMARY KEY,
	org_id           INTEGER NOT NULL REFERENCES orgs (id),
	type             TEXT NOT NULL,
	jurisdiction     TEXT NOT NULL,
	state            TEXT NOT NULL,
	subject_keys     TEXT NOT NULL,
	identifiers      TEXT NOT NULL,
	evidence         TEXT NOT NULL,
	correction       TEXT,
	received_at      TEXT NOT NULL,
	deadline         TEXT NOT NULL,
	due_at           TEXT NOT NULL,
	verified_at      TEXT,
	extended_at      TEXT,
	extension_reason TEXT NOT NULL DEFAULT '',
	closed_at        TEXT,
	reason           TEXT NOT NULL DEFAULT '',
	outcome          TEXT,
	lifted_at        TEXT
);

CREATE INDEX subject_requests_org ON subject_requests (org_id, state, due_at);

CREATE TABLE dataset_holds (
	dataset_id INTEGER PRIMARY KEY REFERENCES datasets (id),
	org_id     INTEGER NOT NULL REFERENCES orgs (id),
	reason     TEXT NOT NULL,
	placed_at  TEXT NOT NULL
);

-- A deleted dataset stays as a tombstone (its name freed, its fields and
-- records gone), for the grants, transfers and events that name it.
ALTER TABLE datasets ADD COLUMN deleted_at TEXT;

-- An organisation's own deadline for CN requests, in working days.
CREATE TABLE subject_request_policies (
	org_id          INTEGER PRIMARY KEY REFERENCES orgs (id),
	cn_working_days INTEGER NOT NULL,
	updated_at      TEXT NOT NULL
);
