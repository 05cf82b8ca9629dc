-- Records in blocks (see the PostgreSQL region migration 0009): the
-- records table's rows hold n records each. SQLite writes a record a row
-- (n = 1): its rows are a table's rowid btree, where a block would save
-- it less, and its reads and changes are those of PostgreSQL's.
ALTER TABLE records ADD COLUMN n INTEGER NOT NULL DEFAULT 1;
