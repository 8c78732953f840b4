-- Locales are stored as canonical BCP 47 tags (fr-FR), whichever of Stripe's forms they were sent
-- in (fr_FR, FR-fr), so that one locale is always stored alike. Rows written before were held to
-- language_COUNTRY (en_US): with a hyphen for the underscore, that is their BCP 47 form.
UPDATE "Customer" SET "locale" = replace("locale", '_', '-') WHERE strpos("locale", '_') > 0;
UPDATE "Customer"
  SET "preferredLocales" = ARRAY(SELECT replace(l, '_', '-') FROM unnest("preferredLocales") WITH ORDINALITY AS u(l, n) ORDER BY n)
  WHERE EXISTS (SELECT FROM unnest("preferredLocales") AS l WHERE strpos(l, '_') > 0);
