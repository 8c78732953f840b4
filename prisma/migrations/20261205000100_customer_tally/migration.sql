-- totalCount of an unfiltered customers list counted every customer of the tenant on each
-- request. The database now keeps the count: statement triggers on Customer add what each
-- INSERT, UPDATE and DELETE changes (live customers, and all of them) to one of 16 rows per
-- account and environment, chosen by the transaction's id, so that concurrent transactions seldom
-- wait on one row and one transaction only ever waits on one.

-- CreateTable
CREATE TABLE "CustomerTally" (
    "accountId" TEXT NOT NULL,
    "env" "Environment" NOT NULL,
    "slot" INTEGER NOT NULL,
    "live" BIGINT NOT NULL DEFAULT 0,
    "all" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "CustomerTally_pkey" PRIMARY KEY ("accountId","env","slot")
);

-- AddForeignKey
ALTER TABLE "CustomerTally" ADD CONSTRAINT "CustomerTally_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

INSERT INTO "CustomerTally" ("accountId", "env", "slot", "live", "all")
SELECT "accountId", "env", 0, count(*) FILTER (WHERE "deletedAt" IS NULL), count(*) FROM "Customer" GROUP BY "accountId", "env";

-- Each trigger adds what its statement changed: per row, +1 or -1 to all, and to live while not deleted.
CREATE FUNCTION "tally_customers_inserted"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "CustomerTally" ("accountId", "env", "slot", "live", "all")
  SELECT "accountId", "env", txid_current() % 16, sum("live"), sum("all")
    FROM (SELECT "accountId", "env", ("deletedAt" IS NULL)::int AS "live", 1 AS "all" FROM inserted) AS delta
   GROUP BY "accountId", "env"
  HAVING sum("live") <> 0 OR sum("all") <> 0
  ON CONFLICT ("accountId", "env", "slot") DO UPDATE
    SET "live" = "CustomerTally"."live" + EXCLUDED."live", "all" = "CustomerTally"."all" + EXCLUDED."all";
  RETURN NULL;
END
$$;

CREATE FUNCTION "tally_customers_updated"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "CustomerTally" ("accountId", "env", "slot", "live", "all")
  SELECT "accountId", "env", txid_current() % 16, sum("live"), sum("all")
    FROM (SELECT "accountId", "env", -("deletedAt" IS NULL)::int AS "live", -1 AS "all" FROM before
          UNION ALL SELECT "accountId", "env", ("deletedAt" IS NULL)::int, 1 FROM after) AS delta
   GROUP BY "accountId", "env"
  HAVING sum("live") <> 0 OR sum("all") <> 0
  ON CONFLICT ("accountId", "env", "slot") DO UPDATE
    SET "live" = "CustomerTally"."live" + EXCLUDED."live", "all" = "CustomerTally"."all" + EXCLUDED."all";
  RETURN NULL;
END
$$;

CREATE FUNCTION "tally_customers_deleted"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "CustomerTally" ("accountId", "env", "slot", "live", "all")
  SELECT "accountId", "env", txid_current() % 16, sum("live"), sum("all")
    FROM (SELECT "accountId", "env", -("deletedAt" IS NULL)::int AS "live", -1 AS "all" FROM deleted) AS delta
   GROUP BY "accountId", "env"
  HAVING sum("live") <> 0 OR sum("all") <> 0
  ON CONFLICT ("accountId", "env", "slot") DO UPDATE
    SET "live" = "CustomerTally"."live" + EXCLUDED."live", "all" = "CustomerTally"."all" + EXCLUDED."all";
  RETURN NULL;
END
$$;

CREATE FUNCTION "tally_customers_truncated"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "CustomerTally";
  RETURN NULL;
END
$$;

-- CreateTrigger
CREATE TRIGGER "Customer_tally_inserted" AFTER INSERT ON "Customer"
  REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION "tally_customers_inserted"();
CREATE TRIGGER "Customer_tally_updated" AFTER UPDATE ON "Customer"
  REFERENCING OLD TABLE AS before NEW TABLE AS after FOR EACH STATEMENT EXECUTE FUNCTION "tally_customers_updated"();
CREATE TRIGGER "Customer_tally_deleted" AFTER DELETE ON "Customer"
  REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION "tally_customers_deleted"();
CREATE TRIGGER "Customer_tally_truncated" AFTER TRUNCATE ON "Customer"
  FOR EACH STATEMENT EXECUTE FUNCTION "tally_customers_truncated"();
