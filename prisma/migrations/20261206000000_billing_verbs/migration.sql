-- The billing verbs: a plan catalog per account and environment, what each subscription granted,
-- one balance per feature of a customer (and of each of its entities), referral codes, and the
-- events of the new verbs.

-- AlterEnum
ALTER TYPE "EventType" ADD VALUE 'SUBSCRIPTION_CREATED';
ALTER TYPE "EventType" ADD VALUE 'SUBSCRIPTION_CANCELED';
ALTER TYPE "EventType" ADD VALUE 'USAGE_TRACKED';
ALTER TYPE "EventType" ADD VALUE 'USAGE_SET';
ALTER TYPE "EventType" ADD VALUE 'ENTITY_CREATED';
ALTER TYPE "EventType" ADD VALUE 'ENTITY_UPDATED';
ALTER TYPE "EventType" ADD VALUE 'ENTITY_DELETED';
ALTER TYPE "EventType" ADD VALUE 'REFERRAL_CODE_CREATED';
ALTER TYPE "EventType" ADD VALUE 'REFERRAL_REDEEMED';

-- AlterTable
ALTER TABLE "Subscription" ADD COLUMN "grants" JSONB NOT NULL DEFAULT '[]';

-- CreateTable
CREATE TABLE "Plan" (
    "accountId" TEXT NOT NULL,
    "env" "Environment" NOT NULL,
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "archivedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Plan_pkey" PRIMARY KEY ("accountId","env","id")
);

-- CreateTable
CREATE TABLE "PlanFeature" (
    "accountId" TEXT NOT NULL,
    "env" "Environment" NOT NULL,
    "planId" TEXT NOT NULL,
    "featureId" TEXT NOT NULL,
    "included" BIGINT NOT NULL DEFAULT 0,
    "unlimited" BOOLEAN NOT NULL DEFAULT false,
    "overageAllowed" BOOLEAN NOT NULL DEFAULT false,
    "interval" "ResetInterval" NOT NULL,

    CONSTRAINT "PlanFeature_pkey" PRIMARY KEY ("accountId","env","planId","featureId")
);

-- CreateTable
CREATE TABLE "ReferralCode" (
    "id" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "env" "Environment" NOT NULL,
    "customerId" TEXT NOT NULL,
    "programId" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ReferralCode_pkey" PRIMARY KEY ("id")
);

-- DropIndex
DROP INDEX "Balance_customerId_featureId_idx";

-- CreateIndex
CREATE UNIQUE INDEX "Balance_customerId_featureId_own_key" ON "Balance"("customerId", "featureId") WHERE ("entityId" IS NULL);

-- CreateIndex
CREATE UNIQUE INDEX "Balance_customerId_entityId_featureId_key" ON "Balance"("customerId", "entityId", "featureId");

-- CreateIndex
CREATE UNIQUE INDEX "ReferralCode_accountId_env_code_key" ON "ReferralCode"("accountId", "env", "code");

-- CreateIndex
CREATE UNIQUE INDEX "ReferralCode_customerId_programId_key" ON "ReferralCode"("customerId", "programId");

-- AddForeignKey
ALTER TABLE "Plan" ADD CONSTRAINT "Plan_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PlanFeature" ADD CONSTRAINT "PlanFeature_accountId_env_planId_fkey" FOREIGN KEY ("accountId", "env", "planId") REFERENCES "Plan"("accountId", "env", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReferralCode" ADD CONSTRAINT "ReferralCode_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReferralCode" ADD CONSTRAINT "ReferralCode_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- When a balance next resets, seen at `at`: its nextResetAt while that is still ahead, else the
-- first reset after `at` on the same schedule (nextResetAt plus a whole number of intervals, so
-- that a month from the 31st stays on the last day of short months without drifting). Its mirror
-- for the resolvers is src/domain/usage.ts.
CREATE FUNCTION cg_next_reset(due TIMESTAMP(3), every "ResetInterval", at TIMESTAMP(3)) RETURNS TIMESTAMP(3)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN due IS NULL OR due > at OR every = 'ONE_OFF' THEN due
    WHEN every IN ('DAY', 'WEEK') THEN
      due + (floor(extract(epoch FROM at - due) / extract(epoch FROM step.size)) + 1) * step.size
    ELSE (
      SELECT CASE WHEN due + n * step.size <= at THEN due + (n + 1) * step.size ELSE due + n * step.size END
      FROM (SELECT floor(((extract(year FROM at) - extract(year FROM due)) * 12 + extract(month FROM at) - extract(month FROM due))
                         / CASE every WHEN 'YEAR' THEN 12 ELSE 1 END) AS n) months
    )
  END
  FROM (SELECT CASE every WHEN 'DAY' THEN interval '1 day' WHEN 'WEEK' THEN interval '1 week'
                          WHEN 'MONTH' THEN interval '1 month' ELSE interval '1 year' END AS size) step
$$;
