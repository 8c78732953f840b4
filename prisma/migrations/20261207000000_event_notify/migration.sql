-- Live updates: every event announces itself on commit, with what a subscriber filters on and
-- nothing personal (the event's data is read by id, within the subscriber's tenant). PostgreSQL
-- delivers NOTIFY on commit, in commit order, to every listening server process.

-- AlterEnum
ALTER TYPE "EventType" ADD VALUE 'BALANCE_RESET';
ALTER TYPE "EventType" ADD VALUE 'SUBSCRIPTION_ENDED';

CREATE FUNCTION "announce_event"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('customer_event', json_build_object(
    'id', NEW.id, 'accountId', NEW."accountId", 'env', NEW.env, 'customerId', NEW."customerId", 'type', NEW.type)::text);
  RETURN NULL;
END $$;

CREATE TRIGGER "Event_announce" AFTER INSERT ON "Event" FOR EACH ROW EXECUTE FUNCTION "announce_event"();
