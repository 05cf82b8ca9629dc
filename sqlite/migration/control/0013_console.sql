-- Supervisor keys belong to regions, not to an org: read-only across every
-- org in their regions. Kept beside api_keys, whose org_id is required.
CREATE TABLE supervisor_keys (
	id          TEXT PRIMARY KEY,
	regions     TEXT NOT NULL, -- region codes, space-separated, sorted
	secret_hash BLOB NOT NULL,
	created_at  TEXT NOT NULL,
	revoked_at  TEXT
);

-- Public management and service bodies (Shenzhen Data Regulations Art.
-- 2(9)) and the working days in which an org answers a sharing request.
ALTER TABLE orgs ADD COLUMN public_body INTEGER NOT NULL DEFAULT 0;
ALTER TABLE orgs ADD COLUMN answer_days INTEGER NOT NULL DEFAULT 0;
-- A public body's standing approval of other public bodies' requests for
-- its unconditionally shared datasets.
ALTER TABLE orgs ADD COLUMN auto_approve INTEGER NOT NULL DEFAULT 0;

-- The sharing catalogue: each dataset's sharing and opening classes. A
-- dataset without a row has its owner's default class.
CREATE TABLE catalog_entries (
	dataset_id    INTEGER PRIMARY KEY REFERENCES datasets (id),
	sharing       TEXT NOT NULL,
	opening       TEXT NOT NULL,
	justification TEXT NOT NULL,
	legal_basis   TEXT NOT NULL,
	conditions    TEXT NOT NULL DEFAULT '',
	updated_at    TEXT NOT NULL
);
