-- Legal depth: the GDPR Art. 9(2) / Art. 10 condition a purpose relies on
-- for special data ('' for none).
ALTER TABLE purposes ADD COLUMN special_category_condition TEXT NOT NULL DEFAULT '';
-- A purpose that profiles people (refused children's data).
ALTER TABLE purposes ADD COLUMN profiling INTEGER NOT NULL DEFAULT 0;

-- A dataset names the purposes it is processed for (a JSON array of the
-- owner's purpose names; the old free-text purpose stays as a label) and
-- says whether it holds personal information of children under 14.
ALTER TABLE datasets ADD COLUMN purposes TEXT NOT NULL DEFAULT '[]';
ALTER TABLE datasets ADD COLUMN minors INTEGER NOT NULL DEFAULT 0;

-- The day each volume duty of an org (PIPO, compliance audit, important-
-- data processor duties) was first found to apply: deadlines run from it.
CREATE TABLE org_duties (
	org_id     INTEGER NOT NULL REFERENCES orgs (id),
	duty       TEXT NOT NULL,
	reached_on TEXT NOT NULL,
	PRIMARY KEY (org_id, duty)
);

-- Security incidents of an org: each a JSON document (severity, datasets,
-- people affected, reporting clocks, notice), changed with its audit event.
CREATE TABLE incidents (
	id         INTEGER PRIMARY KEY,
	org_id     INTEGER NOT NULL REFERENCES orgs (id),
	status     TEXT NOT NULL,
	data       TEXT NOT NULL,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX incidents_org ON incidents (org_id, id);
