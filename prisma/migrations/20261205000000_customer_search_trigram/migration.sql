-- The customers search (a case-insensitive substring of name, email, externalId or companyName)
-- read every customer of the tenant. Trigram indexes find the rows holding a term of three
-- characters or more without reading the others; PGlite ships pg_trgm too.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- CreateIndex
CREATE INDEX "Customer_name_trgm_idx" ON "Customer" USING GIN ("name" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "Customer_email_trgm_idx" ON "Customer" USING GIN ("email" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "Customer_externalId_trgm_idx" ON "Customer" USING GIN ("externalId" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "Customer_companyName_trgm_idx" ON "Customer" USING GIN ("companyName" gin_trgm_ops);
