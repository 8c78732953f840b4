-- Every server process caches the callers of API keys it authenticated (src/api-key-cache.ts)
-- and listens on "api_key_changed" to forget a key the moment it is revoked, re-pointed or
-- deleted, by whichever process. The payload is the key's hash; '' means every key (TRUNCATE).

-- CreateFunction
CREATE FUNCTION "notify_api_key_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    PERFORM pg_notify('api_key_changed', '');
  ELSE
    PERFORM pg_notify('api_key_changed', OLD."hash");
  END IF;
  RETURN NULL;
END
$$;

-- CreateTrigger
CREATE TRIGGER "ApiKey_changed"
  AFTER UPDATE OF "revokedAt", "hash", "accountId", "env" OR DELETE ON "ApiKey"
  FOR EACH ROW EXECUTE FUNCTION "notify_api_key_changed"();

-- CreateTrigger
CREATE TRIGGER "ApiKey_truncated"
  AFTER TRUNCATE ON "ApiKey"
  FOR EACH STATEMENT EXECUTE FUNCTION "notify_api_key_changed"();
