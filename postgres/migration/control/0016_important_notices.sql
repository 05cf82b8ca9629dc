-- Notified important data: an authority's notice, or a region's or
-- department's publication, that a dataset is important data (O16 Art. 2;
-- NDSR Arts. 29, 37). One notice per dataset; clearing it deletes the row,
-- and the audit log keeps both acts.
CREATE TABLE important_notices (
	dataset_id  BIGINT PRIMARY KEY REFERENCES datasets (id),
	notice      TEXT NOT NULL,
	authority   TEXT NOT NULL,
	notice_date TEXT NOT NULL,
	updated_at  TIMESTAMPTZ NOT NULL
);
