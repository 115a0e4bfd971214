-- PostgreSQL only: its full-text index is split by document id so that a
-- search reads the newest documents first. FTS5 already walks its posting
-- lists from the newest row, so SQLite needs no change.
SELECT 1;
