-- The pulse of every community reads about a third of the log: the events
-- of the last two windows, and older membership, help requests and reviews.
-- Keyed by kind then time, with every column the pulse uses, this index
-- lets it read exactly those entries, in order, without touching the table.
CREATE INDEX activity_pulse ON activity(kind, at, community_id, actor_id, actor_unit, subject_id, parent_id);
