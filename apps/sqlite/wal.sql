-- apps/sqlite/wal.sql: write-ahead logging (the -wal file and the
-- MAP_SHARED mapping of the -shm index), in the guest and on Linux
-- (tests/native): the two outputs must be equal (test.cases).
.print sqlite-wal: begin
.headers on
PRAGMA journal_mode = WAL;
PRAGMA wal_autocheckpoint = 0;
CREATE TABLE kv(k INTEGER PRIMARY KEY, v TEXT);
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 2000)
    INSERT INTO kv SELECT i, printf('value-%d', i) FROM c;
BEGIN;
UPDATE kv SET v = 'changed' WHERE k % 100 = 0;
ROLLBACK;
BEGIN;
DELETE FROM kv WHERE k > 1500;
COMMIT;
SELECT count(*), sum(k), count(DISTINCT v) FROM kv;
SELECT v FROM kv WHERE k IN (1, 100, 1500);
-- the log holds every page written since: a checkpoint copies them back
PRAGMA wal_checkpoint(TRUNCATE);
SELECT count(*) FROM kv;
PRAGMA integrity_check;
-- reopened: the database reads back through a fresh -shm mapping
.open tmp/wal.db
PRAGMA journal_mode;
SELECT count(*), max(v) FROM kv;
PRAGMA journal_mode = DELETE;
.print sqlite-wal: end
