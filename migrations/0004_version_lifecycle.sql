-- Version lifecycle: owned verification claims (instance, token, heartbeat) and a stable failure code beside
-- the human reason.

ALTER TABLE file_versions RENAME COLUMN verification_started_at TO verification_claimed_at;
ALTER TABLE file_versions ADD COLUMN verification_owner character varying(128);
ALTER TABLE file_versions ADD COLUMN verification_token uuid;
ALTER TABLE file_versions ADD COLUMN failure_code character varying(32);

-- Claims taken before owners existed cannot be finished by anyone; let the next verification take them at once.
UPDATE file_versions SET verification_claimed_at = NULL;
