-- The jurisdictions under whose law a field is sensitive personal
-- information (PIPL Art. 28, GDPR Art. 9), a JSON array of codes, and the
-- number of its values that show a person under 14 (PIPL Art. 28, 31).
ALTER TABLE fields ADD COLUMN sensitive_in TEXT NOT NULL DEFAULT '[]';
ALTER TABLE fields ADD COLUMN minors BIGINT NOT NULL DEFAULT 0;
-- Fields stored before were judged sensitive under the CN rules only.
UPDATE fields SET sensitive_in = '["CN"]' WHERE sensitive;
