-- Records in blocks: one row holds n records of one ingest, with the
-- consecutive ids id … id+n-1, so that an ingest pays a tuple and an
-- index entry a block, not a record. A block's subject_key is the n keys'
-- bytes one after the other, and its data the n records' stored forms
-- (JSON objects, which hold no raw newline) joined by newlines. A row of
-- one record (n = 1) is as before, and every existing row is one.
--
-- Only ingest writes blocks, and only of records without a record key:
-- a record that is erased, rewritten, restricted or rescoped on its own
-- is first split out of its block into rows of one record each
-- (internal/sqlstore/recordblock.go), so that every statement that
-- changes one record, and every restriction and record key, finds it as
-- the row of its id.
ALTER TABLE records ADD COLUMN n INTEGER NOT NULL DEFAULT 1;

-- A block of up to 8160 bytes stays in the table's page, uncompressed: it
-- is not moved out of line and compressed at 2 kB as other values are.
ALTER TABLE records SET (toast_tuple_target = 8160);
