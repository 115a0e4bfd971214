-- Search reads the newest documents first. One GIN index over every
-- document gives no order: a common word's whole posting list was read and
-- its matches sorted on each query (seconds at millions of documents). The
-- full-text vectors now live in `search_terms`, split by document id into
-- partitions of 32,768 documents, so a query reads the newest partitions
-- and stops once it has enough matches (the store asks window by window).
-- The size weighs a common word (all its matches in a partition are read)
-- against a rare one (every partition is planned and probed): on 7 million
-- documents, 32,768 gave a median of 9 ms in SQL, 65,536 gave 14 ms.
-- `search_documents` stays the one place the store writes; triggers keep
-- `search_terms` in step, and partitions are added as ids grow.
CREATE TABLE search_terms (
    doc_id       BIGINT NOT NULL,
    kind         TEXT NOT NULL,
    ref_id       BIGINT NOT NULL,
    community_id BIGINT,
    thread_id    BIGINT,
    author_id    BIGINT,
    at           BIGINT NOT NULL,
    tsv          tsvector NOT NULL,
    PRIMARY KEY (doc_id)
) PARTITION BY RANGE (doc_id);

-- Ids below `covered` have a partition.
CREATE TABLE search_terms_extent (covered BIGINT NOT NULL);
INSERT INTO search_terms_extent VALUES (0);

-- Adds partitions until ids up to `upto` have one.
CREATE FUNCTION search_terms_cover(upto BIGINT) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    c BIGINT;
BEGIN
    SELECT covered INTO c FROM search_terms_extent FOR UPDATE;
    WHILE c <= upto LOOP
        EXECUTE format('CREATE TABLE %I PARTITION OF search_terms FOR VALUES FROM (%s) TO (%s)',
                       'search_terms_' || (c / 32768), c, c + 32768);
        c := c + 32768;
    END LOOP;
    UPDATE search_terms_extent SET covered = c;
END $$;

SELECT search_terms_cover((SELECT COALESCE(MAX(id), 0) FROM search_documents) + 32768);

INSERT INTO search_terms (doc_id, kind, ref_id, community_id, thread_id, author_id, at, tsv)
SELECT id, kind, ref_id, community_id, thread_id, author_id, at, tsv FROM search_documents;

CREATE INDEX search_terms_tsv ON search_terms USING GIN (tsv);

-- The vectors are computed once, by the triggers below.
ALTER TABLE search_documents DROP COLUMN tsv;

-- New documents: a partition is added ahead of need (one partition's worth
-- of ids before the last is reached), so that writers rarely wait on it. A
-- transaction that would deadlock adding it leaves it to the next writer
-- unless its own rows need it.
CREATE FUNCTION search_terms_added() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    top BIGINT;
BEGIN
    SELECT MAX(id) INTO top FROM new_documents;
    IF top IS NULL THEN
        RETURN NULL;
    END IF;
    IF top + 32768 >= (SELECT covered FROM search_terms_extent) THEN
        BEGIN
            PERFORM search_terms_cover(top + 32768);
        EXCEPTION WHEN deadlock_detected OR lock_not_available THEN
            IF top >= (SELECT covered FROM search_terms_extent) THEN
                RAISE;
            END IF;
        END;
    END IF;
    INSERT INTO search_terms (doc_id, kind, ref_id, community_id, thread_id, author_id, at, tsv)
    SELECT id, kind, ref_id, community_id, thread_id, author_id, at,
           setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', body), 'B')
    FROM new_documents;
    RETURN NULL;
END $$;

CREATE FUNCTION search_terms_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE search_terms t SET kind = n.kind, ref_id = n.ref_id, community_id = n.community_id,
        thread_id = n.thread_id, author_id = n.author_id, at = n.at,
        tsv = setweight(to_tsvector('english', n.title), 'A') || setweight(to_tsvector('english', n.body), 'B')
    FROM new_documents n WHERE t.doc_id = n.id;
    RETURN NULL;
END $$;

CREATE FUNCTION search_terms_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM search_terms WHERE doc_id IN (SELECT id FROM old_documents);
    RETURN NULL;
END $$;

CREATE TRIGGER search_documents_added AFTER INSERT ON search_documents
    REFERENCING NEW TABLE AS new_documents FOR EACH STATEMENT EXECUTE FUNCTION search_terms_added();
CREATE TRIGGER search_documents_changed AFTER UPDATE ON search_documents
    REFERENCING NEW TABLE AS new_documents FOR EACH STATEMENT EXECUTE FUNCTION search_terms_changed();
CREATE TRIGGER search_documents_removed AFTER DELETE ON search_documents
    REFERENCING OLD TABLE AS old_documents FOR EACH STATEMENT EXECUTE FUNCTION search_terms_removed();
