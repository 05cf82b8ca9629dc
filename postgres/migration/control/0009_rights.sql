-- Minimisation, retention and idempotent ingest.
ALTER TABLE datasets ADD COLUMN app_type TEXT NOT NULL DEFAULT '';
ALTER TABLE datasets ADD COLUMN retention_days INTEGER NOT NULL DEFAULT 0;
ALTER TABLE datasets ADD COLUMN record_type TEXT NOT NULL DEFAULT '';
ALTER TABLE datasets ADD COLUMN key_field TEXT NOT NULL DEFAULT '';

-- The idempotency key an upload was sent with, set when its ingest
-- commits, and the answer it was given, for retries.
ALTER TABLE ingests ADD COLUMN batch_id TEXT;
ALTER TABLE ingests ADD COLUMN answer BYTEA;
CREATE UNIQUE INDEX ingests_batch ON ingests (dataset_id, batch_id) WHERE batch_id IS NOT NULL;
-- Records of an ingest the retention job removed.
ALTER TABLE ingests ADD COLUMN expired_count BIGINT NOT NULL DEFAULT 0;

CREATE TABLE org_settings (
	org_id             BIGINT PRIMARY KEY REFERENCES orgs (id),
	minimisation       TEXT NOT NULL DEFAULT 'warn',
	consent_grace_days INTEGER NOT NULL DEFAULT 0,
	updated_at         TIMESTAMPTZ NOT NULL
);
