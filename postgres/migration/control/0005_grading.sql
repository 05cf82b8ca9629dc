-- Grading: whether a field is personal information, and the number of
-- distinct people a dataset's records concern (for the volume rules).
ALTER TABLE fields ADD COLUMN personal BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE datasets ADD COLUMN subjects BIGINT NOT NULL DEFAULT 0;
