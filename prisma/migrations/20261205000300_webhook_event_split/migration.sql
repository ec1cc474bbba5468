-- A loop and a broken post-condition became events of their own (`loop.detected`, `postcondition.violated`; issue 45)
-- instead of kinds of `enforcement.triggered`. An endpoint that subscribed to `enforcement.triggered` by name keeps
-- receiving them: the two types are added to its list. An endpoint on `*` already receives every type.
UPDATE "webhook_endpoints"
SET "events" = "events" || ARRAY(SELECT t FROM unnest(ARRAY['loop.detected', 'postcondition.violated']::text[]) AS t WHERE NOT (t = ANY ("events")))
WHERE 'enforcement.triggered' = ANY ("events") AND NOT ('*' = ANY ("events"));
