-- Practice: threads (help requests, stories, discussions) and their replies,
-- edits kept, solved help requests, thanks; knowledge resources with every
-- revision; events with their rhythm, RSVPs and attendance; the private
-- calendar keys; in-app notifications; the search index.
--
-- Ids of threads, replies, resources and held event sessions are the
-- `subject` of their activity events (METRICS.md).

CREATE TABLE threads (
    id               INTEGER PRIMARY KEY,
    community_id     INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    kind             TEXT NOT NULL,
    title            TEXT NOT NULL,
    body             TEXT NOT NULL,
    tags             TEXT NOT NULL DEFAULT '',
    author_id        INTEGER NOT NULL REFERENCES people(id) ON DELETE RESTRICT,
    created_at       INTEGER NOT NULL,
    edited_at        INTEGER,
    last_activity_at INTEGER NOT NULL,
    reply_count      INTEGER NOT NULL DEFAULT 0,
    deleted_at       INTEGER,
    deleted_by       INTEGER REFERENCES people(id) ON DELETE SET NULL
);
CREATE INDEX threads_community ON threads(community_id, last_activity_at);
CREATE INDEX threads_author ON threads(author_id, created_at);

CREATE TABLE replies (
    id           INTEGER PRIMARY KEY,
    thread_id    INTEGER NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
    author_id    INTEGER NOT NULL REFERENCES people(id) ON DELETE RESTRICT,
    body         TEXT NOT NULL,
    -- The reply this one answers, when the source kept it (importers).
    reply_to     INTEGER REFERENCES replies(id) ON DELETE SET NULL,
    created_at   INTEGER NOT NULL,
    edited_at    INTEGER,
    deleted_at   INTEGER,
    deleted_by   INTEGER REFERENCES people(id) ON DELETE SET NULL
);
CREATE INDEX replies_thread ON replies(thread_id, created_at, id);
CREATE INDEX replies_author ON replies(author_id, created_at);

-- Every edit keeps what it replaced: reply_id NULL is the thread's opening
-- post (title and body).
CREATE TABLE post_edits (
    id         INTEGER PRIMARY KEY,
    thread_id  INTEGER NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
    reply_id   INTEGER REFERENCES replies(id) ON DELETE CASCADE,
    editor_id  INTEGER REFERENCES people(id) ON DELETE SET NULL,
    at         INTEGER NOT NULL,
    old_title  TEXT,
    new_title  TEXT,
    old_body   TEXT NOT NULL,
    new_body   TEXT NOT NULL
);
CREATE INDEX post_edits_thread ON post_edits(thread_id, at);

-- A solved help request names the reply that helped: who helped whom.
CREATE TABLE help_solutions (
    thread_id  INTEGER PRIMARY KEY REFERENCES threads(id) ON DELETE CASCADE,
    reply_id   INTEGER NOT NULL REFERENCES replies(id) ON DELETE CASCADE,
    helper_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    marked_by  INTEGER REFERENCES people(id) ON DELETE SET NULL,
    at         INTEGER NOT NULL
);
CREATE INDEX help_solutions_helper ON help_solutions(helper_id);
CREATE INDEX help_solutions_reply ON help_solutions(reply_id);

CREATE TABLE resources (
    id               INTEGER PRIMARY KEY,
    community_id     INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    kind             TEXT NOT NULL,
    -- Title and number of the current revision, kept here for lists.
    title            TEXT NOT NULL,
    revision         INTEGER NOT NULL,
    status           TEXT NOT NULL,
    tags             TEXT NOT NULL DEFAULT '',
    created_by       INTEGER REFERENCES people(id) ON DELETE SET NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    -- A lesson learned harvested from a thread links back to it.
    source_thread_id INTEGER REFERENCES threads(id) ON DELETE SET NULL
);
CREATE INDEX resources_community ON resources(community_id, updated_at);
CREATE INDEX resources_source_thread ON resources(source_thread_id);

CREATE TABLE resource_revisions (
    resource_id INTEGER NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
    number      INTEGER NOT NULL,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    summary     TEXT NOT NULL DEFAULT '',
    author_id   INTEGER REFERENCES people(id) ON DELETE SET NULL,
    at          INTEGER NOT NULL,
    PRIMARY KEY (resource_id, number)
);
CREATE INDEX resource_revisions_author ON resource_revisions(author_id);

CREATE TABLE resource_status_changes (
    id          INTEGER PRIMARY KEY,
    resource_id INTEGER NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    changed_by  INTEGER REFERENCES people(id) ON DELETE SET NULL,
    note        TEXT NOT NULL DEFAULT '',
    at          INTEGER NOT NULL
);
CREATE INDEX resource_status_changes_resource ON resource_status_changes(resource_id, at);

-- Thanks for a reply or a resource, once per giver and thing.
CREATE TABLE thanks (
    id           INTEGER PRIMARY KEY,
    giver_id     INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    receiver_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    community_id INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    reply_id     INTEGER REFERENCES replies(id) ON DELETE CASCADE,
    resource_id  INTEGER REFERENCES resources(id) ON DELETE CASCADE,
    note         TEXT NOT NULL DEFAULT '',
    at           INTEGER NOT NULL
);
CREATE UNIQUE INDEX thanks_once_per_reply ON thanks(giver_id, reply_id) WHERE reply_id IS NOT NULL;
CREATE UNIQUE INDEX thanks_once_per_resource ON thanks(giver_id, resource_id) WHERE resource_id IS NOT NULL;
CREATE INDEX thanks_reply ON thanks(reply_id);
CREATE INDEX thanks_resource ON thanks(resource_id);
CREATE INDEX thanks_receiver ON thanks(receiver_id, at);

-- An event is one-off (recurrence '') or a series following an RFC 5545
-- RRULE from its first start; times are UTC seconds.
CREATE TABLE events (
    id               INTEGER PRIMARY KEY,
    community_id     INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    kind             TEXT NOT NULL,
    title            TEXT NOT NULL,
    description      TEXT NOT NULL DEFAULT '',
    place            TEXT NOT NULL DEFAULT '',
    link             TEXT NOT NULL DEFAULT '',
    starts_at        INTEGER NOT NULL,
    duration_minutes INTEGER NOT NULL,
    recurrence       TEXT NOT NULL DEFAULT '',
    created_by       INTEGER REFERENCES people(id) ON DELETE SET NULL,
    created_at       INTEGER NOT NULL,
    cancelled_at     INTEGER
);
CREATE INDEX events_community ON events(community_id, starts_at);

-- An occurrence that took place; the subject of `event.held`.
CREATE TABLE event_sessions (
    id            INTEGER PRIMARY KEY,
    event_id      INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    occurrence_at INTEGER NOT NULL,
    held_by       INTEGER REFERENCES people(id) ON DELETE SET NULL,
    notes         TEXT NOT NULL DEFAULT '',
    recorded_at   INTEGER NOT NULL,
    UNIQUE (event_id, occurrence_at)
);

CREATE TABLE event_attendance (
    session_id  INTEGER NOT NULL REFERENCES event_sessions(id) ON DELETE CASCADE,
    person_id   INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    recorded_at INTEGER NOT NULL,
    PRIMARY KEY (session_id, person_id)
);
CREATE INDEX event_attendance_person ON event_attendance(person_id);

CREATE TABLE event_rsvps (
    event_id      INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    occurrence_at INTEGER NOT NULL,
    person_id     INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    answer        TEXT NOT NULL,
    at            INTEGER NOT NULL,
    PRIMARY KEY (event_id, occurrence_at, person_id)
);

-- The secret in a member's private calendar feed URL; it grants reading
-- the calendars of the communities the member may read, nothing else, and
-- is replaced on request.
CREATE TABLE calendar_keys (
    person_id  INTEGER PRIMARY KEY REFERENCES people(id) ON DELETE CASCADE,
    secret     TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

CREATE TABLE notifications (
    id           INTEGER PRIMARY KEY,
    person_id    INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    actor_id     INTEGER REFERENCES people(id) ON DELETE SET NULL,
    community_id INTEGER REFERENCES communities(id) ON DELETE CASCADE,
    thread_id    INTEGER REFERENCES threads(id) ON DELETE CASCADE,
    reply_id     INTEGER REFERENCES replies(id) ON DELETE CASCADE,
    resource_id  INTEGER REFERENCES resources(id) ON DELETE CASCADE,
    event_id     INTEGER REFERENCES events(id) ON DELETE CASCADE,
    at           INTEGER NOT NULL,
    read_at      INTEGER
);
CREATE INDEX notifications_person ON notifications(person_id, id);
CREATE INDEX notifications_unread ON notifications(person_id) WHERE read_at IS NULL;

-- One row per searchable thing (thread, reply, resource, person,
-- community), written by the store in the same transaction as the thing.
CREATE TABLE search_documents (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,
    ref_id       INTEGER NOT NULL,
    community_id INTEGER,
    thread_id    INTEGER,
    author_id    INTEGER,
    title        TEXT NOT NULL,
    body         TEXT NOT NULL,
    at           INTEGER NOT NULL,
    UNIQUE (kind, ref_id)
);
CREATE INDEX search_documents_community ON search_documents(community_id);
CREATE INDEX search_documents_author ON search_documents(author_id);

-- Full-text index over search_documents, kept in step by triggers.
CREATE VIRTUAL TABLE search_index USING fts5(
    title, body,
    content = 'search_documents', content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN
    INSERT INTO search_index (rowid, title, body) VALUES (new.id, new.title, new.body);
END;
CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN
    INSERT INTO search_index (search_index, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
END;
CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN
    INSERT INTO search_index (search_index, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
    INSERT INTO search_index (rowid, title, body) VALUES (new.id, new.title, new.body);
END;
