-- Subject keys are scoped per org: one row once every record's subject
-- key in this store is org-scoped.
CREATE TABLE subject_key_scope (
	one     BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one),
	version INTEGER NOT NULL
);
