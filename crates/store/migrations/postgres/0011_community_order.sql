-- A community's events in log order: the feed's newest events of each
-- community and the pulse's catch-up ("events since the last one I hold")
-- read a range of this index. Through (community_id, at) they read every
-- event of the community and sorted them (2.5 ms for 20,000 events).
CREATE INDEX activity_community_log ON activity(community_id, id);

-- A community's members by role: the community page counts each role from
-- this index alone instead of reading every membership row.
CREATE INDEX memberships_role ON memberships(community_id, role, person_id);

-- Statistics for the two tables with their new indexes, so that the query
-- planner weighs them against the older ones on the same footing (with
-- figures for the old indexes only, it took the new one for a feed ordered
-- by time and sorted a whole community's events).
ANALYZE activity;
ANALYZE memberships;
