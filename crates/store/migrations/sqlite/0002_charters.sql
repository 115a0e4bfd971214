-- Charters: how a community designs itself. Every save is a new version;
-- nothing is overwritten, so the history of the charter is the table.
CREATE TABLE charters (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    version      INTEGER NOT NULL,
    domain       TEXT NOT NULL DEFAULT '',
    rhythm       TEXT NOT NULL DEFAULT '',
    roles        TEXT NOT NULL DEFAULT '',
    openness     TEXT NOT NULL DEFAULT '',
    outside      TEXT NOT NULL DEFAULT '',
    norms        TEXT NOT NULL DEFAULT '',
    note         TEXT NOT NULL DEFAULT '',
    edited_by    INTEGER REFERENCES people(id) ON DELETE SET NULL,
    edited_at    INTEGER NOT NULL,
    UNIQUE (community_id, version)
);
