-- Grading: whether a field is personal information, and the number of
-- distinct people a dataset's records concern (for the volume rules).
ALTER TABLE fields ADD COLUMN personal INTEGER NOT NULL DEFAULT 0;
ALTER TABLE datasets ADD COLUMN subjects INTEGER NOT NULL DEFAULT 0;
