-- Foundation: units, people and accounts, domains, communities, memberships,
-- join requests, invitations, stage history, the activity log, sessions.

CREATE TABLE units (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    parent_id   INTEGER REFERENCES units(id) ON DELETE RESTRICT,
    description TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
);
CREATE INDEX units_parent ON units(parent_id);

CREATE TABLE people (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    email         TEXT NOT NULL UNIQUE,
    unit_id       INTEGER REFERENCES units(id) ON DELETE SET NULL,
    title         TEXT NOT NULL DEFAULT '',
    manager_id    INTEGER REFERENCES people(id) ON DELETE SET NULL,
    expertise     TEXT NOT NULL DEFAULT '',
    interests     TEXT NOT NULL DEFAULT '',
    bio           TEXT NOT NULL DEFAULT '',
    org_role      TEXT NOT NULL DEFAULT 'member',
    password_hash TEXT,
    created_at    INTEGER NOT NULL
);
CREATE INDEX people_unit ON people(unit_id);
CREATE INDEX people_name ON people(name);

CREATE TABLE domains (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
);

CREATE TABLE communities (
    id                INTEGER PRIMARY KEY,
    slug              TEXT NOT NULL UNIQUE,
    name              TEXT NOT NULL,
    domain_statement  TEXT NOT NULL DEFAULT '',
    purpose           TEXT NOT NULL DEFAULT '',
    visibility        TEXT NOT NULL,
    membership_policy TEXT NOT NULL,
    stage             TEXT NOT NULL,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
CREATE INDEX communities_name ON communities(name);

CREATE TABLE community_domains (
    community_id INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    domain_id    INTEGER NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
    PRIMARY KEY (community_id, domain_id)
);
CREATE INDEX community_domains_domain ON community_domains(domain_id);

CREATE TABLE stage_changes (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    from_stage   TEXT,
    to_stage     TEXT NOT NULL,
    reason       TEXT NOT NULL,
    changed_by   INTEGER REFERENCES people(id) ON DELETE SET NULL,
    at           INTEGER NOT NULL
);
CREATE INDEX stage_changes_community ON stage_changes(community_id, at);

CREATE TABLE memberships (
    community_id INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    person_id    INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    role         TEXT NOT NULL,
    joined_at    INTEGER NOT NULL,
    PRIMARY KEY (community_id, person_id)
);
CREATE INDEX memberships_person ON memberships(person_id);

CREATE TABLE join_requests (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    person_id    INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    message      TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    decided_by   INTEGER REFERENCES people(id) ON DELETE SET NULL,
    decided_at   INTEGER
);
CREATE INDEX join_requests_community ON join_requests(community_id, status);
CREATE UNIQUE INDEX join_requests_one_pending ON join_requests(community_id, person_id) WHERE status = 'pending';

CREATE TABLE invitations (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    person_id    INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    invited_by   INTEGER REFERENCES people(id) ON DELETE SET NULL,
    role         TEXT NOT NULL,
    status       TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    decided_at   INTEGER
);
CREATE INDEX invitations_person ON invitations(person_id, status);
CREATE UNIQUE INDEX invitations_one_pending ON invitations(community_id, person_id) WHERE status = 'pending';

CREATE TABLE activity (
    id           INTEGER PRIMARY KEY,
    at           INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    actor_id     INTEGER NOT NULL,
    actor_unit   INTEGER,
    community_id INTEGER,
    subject_id   INTEGER,
    parent_id    INTEGER,
    other_id     INTEGER
);
CREATE INDEX activity_community ON activity(community_id, at);
CREATE INDEX activity_actor ON activity(actor_id, at);

CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    person_id    INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX sessions_person ON sessions(person_id);
