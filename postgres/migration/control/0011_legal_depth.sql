-- Legal depth: the GDPR Art. 9(2) / Art. 10 condition a purpose relies on
-- for special data ('' for none).
ALTER TABLE purposes ADD COLUMN special_category_condition TEXT NOT NULL DEFAULT '';
