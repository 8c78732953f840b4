-- A deleted customer now reads as what the database holds (src/resolvers/tombstone.ts): its
-- subscriptions canceled, its entities, balances and payment methods gone, no personal data left
-- in it, its trials or its events. Customers deleted before are brought to the same state.

UPDATE "Subscription" s
   SET "status" = 'CANCELED', "canceledAt" = coalesce(s."canceledAt", c."deletedAt"), "expiresAt" = c."deletedAt"
  FROM "Customer" c
 WHERE c."id" = s."customerId" AND c."deletedAt" IS NOT NULL AND s."status" NOT IN ('CANCELED', 'EXPIRED');

DELETE FROM "Entity" e USING "Customer" c WHERE c."id" = e."customerId" AND c."deletedAt" IS NOT NULL;
DELETE FROM "Balance" b USING "Customer" c WHERE c."id" = b."customerId" AND c."deletedAt" IS NOT NULL;
DELETE FROM "PaymentMethod" p USING "Customer" c WHERE c."id" = p."customerId" AND c."deletedAt" IS NOT NULL;

UPDATE "TrialUsed" t SET "fingerprint" = NULL FROM "Customer" c
 WHERE c."id" = t."customerId" AND c."deletedAt" IS NOT NULL AND t."fingerprint" IS NOT NULL;

UPDATE "Customer"
   SET "externalId" = NULL, "name" = NULL, "email" = NULL, "phone" = NULL, "description" = NULL, "companyName" = NULL,
       "taxId" = NULL, "address" = NULL, "shipping" = NULL, "metadata" = '{}', "taxIds" = '[]', "invoicePrefix" = NULL,
       "fingerprint" = NULL, "stripeId" = NULL
 WHERE "deletedAt" IS NOT NULL;

UPDATE "Event" e
   SET "data" = jsonb_set(e."data", '{changes}', (
         SELECT jsonb_object_agg(field, CASE
           WHEN field IN ('externalId', 'name', 'email', 'phone', 'description', 'companyName', 'taxId', 'address', 'shipping',
                          'metadata', 'taxIds', 'invoicePrefix', 'fingerprint', 'stripeId')
           THEN '{"before":null,"after":null}'::jsonb ELSE change END)
         FROM jsonb_each(e."data" -> 'changes') AS changes(field, change)))
  FROM "Customer" c
 WHERE c."id" = e."customerId" AND c."deletedAt" IS NOT NULL
   AND jsonb_typeof(e."data" -> 'changes') = 'object' AND e."data" -> 'changes' <> '{}'::jsonb;
