-- Stripe's invoice_settings of a customer: the footer and custom fields printed on its invoices,
-- and the payment method its invoices are charged to.

-- AlterTable
ALTER TABLE "Customer" ADD COLUMN "invoiceSettings" JSONB;
