-- A customer's invoices, charges and events are paged by (customerId, createdAt, id), and a
-- cursor names its row by those columns: Prisma's cursor needs them to be unique, which they are
-- (the id is), so the index that served the pages becomes the unique index that does.

-- DropIndex
DROP INDEX "Invoice_customerId_createdAt_id_idx";

-- CreateIndex
CREATE UNIQUE INDEX "Invoice_customerId_createdAt_id_key" ON "Invoice"("customerId", "createdAt" DESC, "id" DESC);

-- DropIndex
DROP INDEX "Charge_customerId_createdAt_id_idx";

-- CreateIndex
CREATE UNIQUE INDEX "Charge_customerId_createdAt_id_key" ON "Charge"("customerId", "createdAt" DESC, "id" DESC);

-- DropIndex
DROP INDEX "Event_customerId_createdAt_id_idx";

-- CreateIndex
CREATE UNIQUE INDEX "Event_customerId_createdAt_id_key" ON "Event"("customerId", "createdAt" DESC, "id" DESC);
