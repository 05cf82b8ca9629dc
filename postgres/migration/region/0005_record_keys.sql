-- The keyed hash of a record's key field, for datasets that declare one:
-- an upload replaces the records whose key it sends again.
ALTER TABLE records ADD COLUMN record_key TEXT;
CREATE INDEX records_record_key ON records (dataset_id, record_key) WHERE record_key IS NOT NULL;
