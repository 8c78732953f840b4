-- A subscription, purchase or balance of an entity belongs to the entity's own customer: the
-- foreign keys now cover both columns, so that no row can hang under one customer's entity while
-- belonging to another (possibly of another account), and reads need not check it.

-- CreateIndex
CREATE UNIQUE INDEX "Entity_id_customerId_key" ON "Entity"("id", "customerId");

-- AddForeignKey
ALTER TABLE "Subscription" ADD CONSTRAINT "Subscription_entityId_customerId_fkey" FOREIGN KEY ("entityId", "customerId") REFERENCES "Entity"("id", "customerId") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Purchase" ADD CONSTRAINT "Purchase_entityId_customerId_fkey" FOREIGN KEY ("entityId", "customerId") REFERENCES "Entity"("id", "customerId") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Balance" ADD CONSTRAINT "Balance_entityId_customerId_fkey" FOREIGN KEY ("entityId", "customerId") REFERENCES "Entity"("id", "customerId") ON DELETE CASCADE ON UPDATE CASCADE;
