-- Imports: what came from where, so that importing the same archive twice
-- changes nothing, and the accounts a person had elsewhere.

-- One row per imported thing: (source system, site or archive, kind of
-- thing, its id there) → its id here. Kinds name the local table the id
-- belongs to: person, thread, reply, community.
CREATE TABLE import_ids (
    source    TEXT NOT NULL,
    site      TEXT NOT NULL,
    kind      TEXT NOT NULL,
    source_id TEXT NOT NULL,
    local_id  INTEGER NOT NULL,
    PRIMARY KEY (source, site, kind, source_id)
) WITHOUT ROWID;

-- Who a person was in another system: an account id there (network-wide
-- where the source has one), an email seen, the name shown. One person may
-- have many aliases; an account belongs to one person.
CREATE TABLE person_aliases (
    id         INTEGER PRIMARY KEY,
    person_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    source     TEXT NOT NULL,
    account    TEXT,
    email      TEXT,
    name       TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX person_aliases_account ON person_aliases(source, account) WHERE account IS NOT NULL;
CREATE INDEX person_aliases_person ON person_aliases(person_id);
CREATE INDEX person_aliases_email ON person_aliases(lower(email)) WHERE email IS NOT NULL;
