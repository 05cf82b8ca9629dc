-- Subject keys are scoped per org: one row once every record's subject
-- key in this store is org-scoped.
CREATE TABLE subject_key_scope (
	one     INTEGER PRIMARY KEY CHECK (one = 1),
	version INTEGER NOT NULL
);
