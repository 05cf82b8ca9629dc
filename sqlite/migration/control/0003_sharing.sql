-- Governed sharing: org kinds, purposes, grants, the consent ledger and
-- organisation policies. Times compared in SQL (expires_at, consent
-- times) are stored as fixed-width RFC 3339 UTC with nanoseconds, so that
-- text order is time order.

ALTER TABLE orgs ADD COLUMN kind TEXT NOT NULL DEFAULT 'company';

CREATE TABLE purposes (
	id             INTEGER PRIMARY KEY,
	org_id         INTEGER NOT NULL REFERENCES orgs (id),
	name           TEXT NOT NULL,
	legal_basis    TEXT NOT NULL,
	categories     TEXT NOT NULL DEFAULT '[]',
	retention_days INTEGER NOT NULL,
	created_at     TEXT NOT NULL,
	UNIQUE (org_id, name)
);

-- Grants: fields and requested_fields are JSON arrays; status is pending,
-- approved, denied, revoked or expired.
CREATE TABLE grants (
	id                     INTEGER PRIMARY KEY,
	dataset_id             INTEGER NOT NULL REFERENCES datasets (id),
	owner_org_id           INTEGER NOT NULL REFERENCES orgs (id),
	consumer_org_id        INTEGER NOT NULL REFERENCES orgs (id),
	purpose                TEXT NOT NULL,
	legal_basis            TEXT NOT NULL,
	justification          TEXT NOT NULL,
	duration_days          INTEGER NOT NULL,
	requested_fields       TEXT NOT NULL,
	fields                 TEXT NOT NULL,
	status                 TEXT NOT NULL,
	expires_at             TEXT,
	risk_assessment_ref    TEXT NOT NULL DEFAULT '',
	written_request_ref    TEXT NOT NULL DEFAULT '',
	authority_approval_ref TEXT NOT NULL DEFAULT '',
	identified_data        INTEGER NOT NULL DEFAULT 0,
	reason                 TEXT NOT NULL DEFAULT '',
	created_at             TEXT NOT NULL,
	updated_at             TEXT NOT NULL,
	decided_at             TEXT
);

CREATE INDEX grants_consumer ON grants (consumer_org_id, dataset_id);
CREATE INDEX grants_owner ON grants (owner_org_id, purpose);
CREATE INDEX grants_dataset ON grants (dataset_id);
CREATE INDEX grants_expiry ON grants (status, expires_at);

-- The consent ledger: entries are only ever added. A subject's state for a
-- purpose is the fold of its entries in id order.
CREATE TABLE consents (
	id          INTEGER PRIMARY KEY,
	org_id      INTEGER NOT NULL REFERENCES orgs (id),
	purpose     TEXT NOT NULL,
	subject_key TEXT NOT NULL,
	grant_id    INTEGER REFERENCES grants (id),
	kind        TEXT NOT NULL,
	evidence    TEXT NOT NULL DEFAULT '',
	created_at  TEXT NOT NULL
);

-- Covering: a read's consent check never touches the table.
CREATE INDEX consents_subject ON consents (org_id, purpose, subject_key, id, kind, created_at);
-- A ledger in order: its latest entry, and the entries since one.
CREATE INDEX consents_ledger ON consents (org_id, purpose, id);

-- Organisation policies in Cedar, one text per org.
CREATE TABLE org_policies (
	org_id     INTEGER PRIMARY KEY REFERENCES orgs (id),
	text       TEXT NOT NULL,
	sha256     TEXT NOT NULL,
	version    INTEGER NOT NULL,
	updated_at TEXT NOT NULL
);
