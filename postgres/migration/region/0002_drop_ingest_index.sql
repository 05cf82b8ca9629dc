-- Records are looked up by ingest only to remove a failed ingest, which is
-- rare (an ingest's COPY runs in one transaction, so a failure mid-way
-- leaves nothing); an index kept up to date on every row costs every
-- ingest more than an occasional scan costs recovery.
DROP INDEX IF EXISTS records_ingest_id;
