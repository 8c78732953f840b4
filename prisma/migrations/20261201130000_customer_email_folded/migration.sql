-- Email uniqueness per account and environment ignores case and Unicode compatibility forms
-- (NORM.X@EXAMPLE.COM, norm.x@Example.com and a fullwidth ｎorm.x@example.com are one address).
-- PostgreSQL compares the folded form, kept in "emailFolded" by a trigger, so that no writer
-- (the API, the seed, a script) can leave it stale; a unique index on it holds under
-- concurrency. The customers filter on email folds what the caller typed with the same function.

-- CreateFunction
CREATE FUNCTION "customer_email_folded"(email TEXT) RETURNS TEXT
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT lower(normalize(email, NFKC)) $$;

-- AlterTable
ALTER TABLE "Customer" ADD COLUMN "emailFolded" TEXT;

UPDATE "Customer" SET "emailFolded" = "customer_email_folded"("email") WHERE "email" IS NOT NULL;

-- Live customers whose emails differ only by case were accepted before this migration. Which
-- one keeps the address is the merchant's decision, not the migration's: it stops here, rolled
-- back whole (the running version keeps serving), naming no address (logs are no place for
-- personal data) but the query that lists them.
DO $$
DECLARE
  shared BIGINT;
BEGIN
  SELECT count(*) INTO shared FROM (
    SELECT 1 FROM "Customer"
     WHERE "deletedAt" IS NULL AND "emailFolded" IS NOT NULL
     GROUP BY "accountId", "env", "emailFolded"
    HAVING count(*) > 1
  ) AS taken;
  IF shared > 0 THEN
    RAISE EXCEPTION '% email address(es) are each held by more than one live customer of an account and environment, differing only in case or Unicode form, and emails are now unique regardless of case. Change the email of (or delete) all but one customer of each, then migrate again. They are: SELECT "accountId", "env", array_agg("id" ORDER BY "createdAt") FROM "Customer" WHERE "deletedAt" IS NULL AND "email" IS NOT NULL GROUP BY "accountId", "env", lower(normalize("email", NFKC)) HAVING count(*) > 1', shared;
  END IF;
END
$$;

-- CreateFunction
CREATE FUNCTION "fold_customer_email"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW."emailFolded" := "customer_email_folded"(NEW."email");
  RETURN NEW;
END
$$;

-- CreateTrigger
CREATE TRIGGER "Customer_email_folded"
  BEFORE INSERT OR UPDATE ON "Customer"
  FOR EACH ROW EXECUTE FUNCTION "fold_customer_email"();

-- DropIndex
DROP INDEX "Customer_accountId_env_email_live_key";

-- CreateIndex
CREATE UNIQUE INDEX "Customer_accountId_env_emailFolded_live_key" ON "Customer"("accountId", "env", "emailFolded") WHERE "deletedAt" IS NULL;
