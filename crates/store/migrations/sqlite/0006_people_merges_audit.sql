-- Merging two records of one person (an import could not tell they were the
-- same), undoable; and the audit log of security-relevant actions.

-- A merged (absorbed) person keeps their row, hidden from lists and unable
-- to sign in, so that the merge can be undone exactly.
ALTER TABLE people ADD COLUMN merged_into INTEGER REFERENCES people(id);

CREATE TABLE person_merges (
    id          INTEGER PRIMARY KEY,
    kept_id     INTEGER NOT NULL REFERENCES people(id),
    absorbed_id INTEGER NOT NULL REFERENCES people(id),
    reason      TEXT NOT NULL DEFAULT '',
    merged_by   INTEGER REFERENCES people(id) ON DELETE SET NULL,
    merged_at   INTEGER NOT NULL,
    undone_by   INTEGER REFERENCES people(id) ON DELETE SET NULL,
    undone_at   INTEGER
);
CREATE INDEX person_merges_kept ON person_merges(kept_id);
CREATE INDEX person_merges_absorbed ON person_merges(absorbed_id);

-- Every row a merge moved from the absorbed person to the kept one: by id
-- (row_id) for tables that have one, else by the rest of its key (row_key).
CREATE TABLE person_merge_moves (
    merge_id INTEGER NOT NULL REFERENCES person_merges(id) ON DELETE CASCADE,
    tbl      TEXT NOT NULL,
    col      TEXT NOT NULL,
    row_id   INTEGER,
    row_key  TEXT
);
CREATE INDEX person_merge_moves_merge ON person_merge_moves(merge_id, tbl, col);

-- Rows of the absorbed person that would have duplicated one of the kept
-- person's (both were members of a community, both attended a session),
-- set aside so that an undo can put them back.
CREATE TABLE person_merge_set_aside (
    merge_id INTEGER NOT NULL REFERENCES person_merges(id) ON DELETE CASCADE,
    tbl      TEXT NOT NULL,
    a        INTEGER NOT NULL,
    b        INTEGER NOT NULL,
    c        INTEGER NOT NULL DEFAULT 0,
    t        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX person_merge_set_aside_merge ON person_merge_set_aside(merge_id);

-- Bumped whenever past activity is rewritten (a merge or its undo), so
-- that caches of the log know to start again.
CREATE TABLE activity_revision (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    revision INTEGER NOT NULL
);
INSERT INTO activity_revision (id, revision) VALUES (1, 0);

-- Append-only: no row is ever changed or removed (the triggers refuse).
-- actor_id has no foreign key so that the record outlives the person.
CREATE TABLE audit_log (
    id       INTEGER PRIMARY KEY,
    at       INTEGER NOT NULL,
    actor_id INTEGER,
    action   TEXT NOT NULL,
    subject  TEXT NOT NULL DEFAULT '',
    detail   TEXT NOT NULL DEFAULT '',
    address  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_action ON audit_log(action, at);
CREATE INDEX audit_log_actor ON audit_log(actor_id, at);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
