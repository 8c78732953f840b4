-- A GIN index gathers new entries in a pending list, merged into the index only by (auto)vacuum
-- or once it passes gin_pending_list_limit (4 MB), and every search reads all of it: with 3,000
-- customers added since the last vacuum, searches ran at a sixth of their speed. Without it each
-- new customer's trigrams go straight into the indexes. (Prisma's schema cannot say this.)
ALTER INDEX "Customer_name_trgm_idx" SET (fastupdate = off);
ALTER INDEX "Customer_email_trgm_idx" SET (fastupdate = off);
ALTER INDEX "Customer_externalId_trgm_idx" SET (fastupdate = off);
ALTER INDEX "Customer_companyName_trgm_idx" SET (fastupdate = off);

-- What is pending already goes into the indexes now rather than at the next vacuum.
SELECT gin_clean_pending_list('"Customer_name_trgm_idx"'::regclass),
  gin_clean_pending_list('"Customer_email_trgm_idx"'::regclass),
  gin_clean_pending_list('"Customer_externalId_trgm_idx"'::regclass),
  gin_clean_pending_list('"Customer_companyName_trgm_idx"'::regclass);
