-- apps/sqlite/basic.sql: run by the sqlite3 shell in the guest and on
-- Linux (tests/native); the two outputs must be equal (test.cases).
.print sqlite-basic: begin
.headers on
.mode list
PRAGMA journal_mode;
CREATE TABLE author(id INTEGER PRIMARY KEY, name TEXT NOT NULL, born INT);
CREATE TABLE book(id INTEGER PRIMARY KEY, author INT REFERENCES author(id),
                  title TEXT, year INT, pages INT);
CREATE INDEX book_year ON book(year);
INSERT INTO author(name, born) VALUES ('Austen', 1775), ('Dickens', 1812),
    ('Eliot', 1819), ('Tolstoy', 1828);
INSERT INTO book(author, title, year, pages) VALUES
    (1, 'Pride and Prejudice', 1813, 432), (1, 'Emma', 1815, 474),
    (2, 'Bleak House', 1853, 928), (2, 'Great Expectations', 1861, 544),
    (3, 'Middlemarch', 1871, 880), (4, 'War and Peace', 1869, 1225),
    (4, 'Anna Karenina', 1878, 864);
-- a join, ordered
SELECT a.name, b.title, b.year FROM book b JOIN author a ON a.id = b.author
    ORDER BY b.year;
-- the index serves a range
EXPLAIN QUERY PLAN SELECT title FROM book WHERE year BETWEEN 1850 AND 1870;
SELECT title FROM book WHERE year BETWEEN 1850 AND 1870 ORDER BY year;
-- a transaction rolled back leaves nothing behind
BEGIN;
DELETE FROM book WHERE author = 2;
INSERT INTO book(author, title, year, pages) VALUES (3, 'Silas Marner', 1861, 250);
SELECT count(*) AS inside FROM book;
ROLLBACK;
SELECT count(*) AS after_rollback FROM book;
-- a committed one stays
BEGIN;
UPDATE author SET born = born + 1 WHERE name = 'Eliot';
COMMIT;
SELECT name, born FROM author WHERE name = 'Eliot';
-- aggregates, grouped
SELECT a.name, count(*) AS books, sum(b.pages) AS pages, avg(b.pages) AS mean,
       min(b.year) AS first, max(b.year) AS last
    FROM author a JOIN book b ON b.author = a.id GROUP BY a.id
    HAVING count(*) > 1 ORDER BY pages DESC;
-- more rows than a page: a b-tree of several levels, then checked
CREATE TABLE n(x INTEGER PRIMARY KEY, sq INT, txt TEXT);
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 5000)
    INSERT INTO n SELECT i, i * i, printf('row-%05d', i) FROM c;
CREATE INDEX n_txt ON n(txt);
SELECT count(*), sum(sq) % 1000003, max(txt) FROM n;
SELECT x, txt FROM n WHERE txt LIKE 'row-0499%' ORDER BY x;
PRAGMA integrity_check;
DELETE FROM n WHERE x % 2 = 0;
VACUUM;
SELECT count(*) AS odd FROM n;
PRAGMA page_count;
.print sqlite-basic: end
