-- Supervisor keys belong to regions, not to an org: read-only across every
-- org in their regions. Kept beside api_keys, whose org_id is required.
CREATE TABLE supervisor_keys (
	id          TEXT PRIMARY KEY,
	regions     TEXT NOT NULL, -- region codes, space-separated, sorted
	secret_hash BLOB NOT NULL,
	created_at  TEXT NOT NULL,
	revoked_at  TEXT
);
