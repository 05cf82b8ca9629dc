-- The field of a negative-credit dataset that holds the day the conduct or
-- event ended, from which its records are kept at most 5 years (Credit
-- Reporting Industry Regulations Art. 16); '' counts from the record's
-- ingest.
ALTER TABLE datasets ADD COLUMN event_field TEXT NOT NULL DEFAULT '';
