-- A community's live threads, newest activity first: the thread list pages
-- through this index and counts from it alone (counting through the index
-- of all threads read every thread's row to skip deleted ones — 7.6 ms for
-- a community of 4,861 threads).
CREATE INDEX threads_live ON threads(community_id, last_activity_at) WHERE deleted_at IS NULL;
