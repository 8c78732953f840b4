import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMigrations } from '../src/data/migrate.ts';
import { newId } from '../src/domain/ids.ts';
import { createTestApp, type TestApp } from './helpers.ts';

const CREATE = `mutation Create($input: CreateCustomerInput!) {
  createCustomer(input: $input) {
    customer { id externalId name email phone currency locale metadata version address { line1 city country } shipping { name address { city } }
      accountBalance { minorUnits currency } accountBalanceMinorUnits invoicePrefix taxIds { type value } env livemode createdAt updatedAt deleted }
    userErrors { field message code }
  }
}`;
const UPDATE = `mutation Update($input: UpdateCustomerInput!) {
  updateCustomer(input: $input) {
    customer { id name email phone description metadata version address { line1 city country } updatedAt }
    userErrors { field message code }
  }
}`;
const DELETE = `mutation Delete($input: DeleteCustomerInput!) {
  deleteCustomer(input: $input) { deletedCustomerId userErrors { field message code } }
}`;
const EVENTS = `query Events($id: ID!) { customer(id: $id) { events(first: 100) { totalCount edges { node { type data customerId } } } } }`;

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

async function rowCounts() {
  return { customers: await t.prisma.customer.count(), events: await t.prisma.event.count() };
}

async function create(input: Record<string, unknown>, key?: string) {
  const res = await t.request(CREATE, { input }, { key });
  expect(res.errors).toBeUndefined();
  return res.data!.createCustomer;
}

async function update(input: Record<string, unknown>) {
  const res = await t.request(UPDATE, { input });
  expect(res.errors).toBeUndefined();
  return res.data!.updateCustomer;
}

describe('createCustomer', () => {
  it('creates a customer with its fields and a CUSTOMER_CREATED event in one go', async () => {
    const { customer, userErrors } = await create({
      externalId: 'user_1',
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      phone: '+44 20 7946 0000',
      currency: 'gbp',
      locale: 'en_GB',
      metadata: { plan: 'pro', source: 'web' },
      address: { line1: '1 Main St', city: 'London', country: 'gb' },
      shipping: { name: 'Ada', address: { city: 'London' } },
      accountBalance: '-500',
      invoicePrefix: 'ADA1',
      taxIds: [{ type: 'gb_vat', value: 'GB123456789' }],
    });
    expect(userErrors).toEqual([]);
    expect(customer).toMatchObject({
      externalId: 'user_1',
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      currency: 'GBP',
      locale: 'en-GB',
      metadata: { plan: 'pro', source: 'web' },
      address: { line1: '1 Main St', city: 'London', country: 'GB' },
      shipping: { name: 'Ada', address: { city: 'London' } },
      accountBalance: { minorUnits: '-500', currency: 'GBP' },
      accountBalanceMinorUnits: '-500',
      invoicePrefix: 'ADA1',
      taxIds: [{ type: 'gb_vat', value: 'GB123456789' }],
      env: 'TEST',
      livemode: false,
      version: 1,
      deleted: false,
    });
    expect(customer.id).toMatch(/^cus_[0-9A-Za-z]{24}$/);
    expect(new Date(customer.createdAt).toISOString()).toBe(customer.createdAt);
    const events = await t.request(EVENTS, { id: customer.id });
    expect(events.data!.customer.events.edges.map((e: any) => e.node.type)).toEqual(['CUSTOMER_CREATED']);
  });

  it('creates a customer with no fields at all, as Stripe allows', async () => {
    const { customer, userErrors } = await create({});
    expect(userErrors).toEqual([]);
    expect(customer).toMatchObject({ name: null, email: null, metadata: {}, accountBalance: null, accountBalanceMinorUnits: '0' });
  });

  it('is created in the environment of the key', async () => {
    const { customer } = await create({ name: 'Live one' }, t.merchant.liveKey);
    expect(customer).toMatchObject({ env: 'LIVE', livemode: true });
    const fromTest = await t.request('query($id: ID!) { customer(id: $id) { id } }', { id: customer.id });
    expect(fromTest.data!.customer).toBeNull();
  });

  const invalid: [string, Record<string, unknown>, string[], string, RegExp][] = [
    ['email syntax', { email: 'not-an-email' }, ['input', 'email'], 'INVALID', /email must be an email address/],
    ['email length', { email: `${'a'.repeat(510)}@example.com` }, ['input', 'email'], 'TOO_LONG', /at most 512/],
    ['name length', { name: 'n'.repeat(257) }, ['input', 'name'], 'TOO_LONG', /name must be at most 256/],
    ['description length', { description: 'd'.repeat(1001) }, ['input', 'description'], 'TOO_LONG', /at most 1000/],
    ['phone', { phone: 'call me' }, ['input', 'phone'], 'INVALID', /phone/],
    ['country', { address: { country: 'XX' } }, ['input', 'address', 'country'], 'INVALID', /ISO 3166-1 alpha-2/],
    ['country length', { address: { country: 'USA' } }, ['input', 'address', 'country'], 'INVALID', /ISO 3166-1 alpha-2/],
    ['address line length', { address: { line1: 'x'.repeat(201) } }, ['input', 'address', 'line1'], 'TOO_LONG', /at most 200/],
    ['currency', { currency: 'XYZ' }, ['input', 'currency'], 'INVALID', /ISO 4217/],
    ['locale', { locale: 'en__US' }, ['input', 'locale'], 'INVALID', /locale must be a locale like en or fr-FR/],
    ['locale length', { locale: 'en-US-u-nu-thai' }, ['input', 'locale'], 'TOO_LONG', /at most 10/],
    ['preferred locale', { preferredLocales: ['en_US', 'fr FR'] }, ['input', 'preferredLocales', '1'], 'INVALID', /like en or fr-FR/],
    ['invoicePrefix too short', { invoicePrefix: 'AB' }, ['input', 'invoicePrefix'], 'INVALID', /3 to 12 uppercase/],
    ['invoicePrefix lowercase', { invoicePrefix: 'abc' }, ['input', 'invoicePrefix'], 'INVALID', /3 to 12 uppercase/],
    ['invoicePrefix too long', { invoicePrefix: 'ABCDEFGHIJKLM' }, ['input', 'invoicePrefix'], 'TOO_LONG', /at most 12/],
    ['metadata key with brackets', { metadata: { 'a[b]': 'x' } }, ['input', 'metadata', 'a[b]'], 'INVALID', /square brackets/],
    [
      'metadata key length',
      { metadata: { ['k'.repeat(41)]: 'x' } },
      ['input', 'metadata', 'k'.repeat(41)],
      'INVALID',
      /1 to 40 characters/,
    ],
    ['metadata value length', { metadata: { k: 'v'.repeat(501) } }, ['input', 'metadata', 'k'], 'TOO_LONG', /at most 500/],
    ['metadata value type', { metadata: { k: 5 } }, ['input', 'metadata', 'k'], 'INVALID', /must be a string/],
    [
      'metadata key count',
      { metadata: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])) },
      ['input', 'metadata'],
      'INVALID',
      /at most 50 keys/,
    ],
    [
      'shipping without name',
      { shipping: { address: { city: 'Paris' } } },
      ['input', 'shipping', 'name'],
      'REQUIRED',
      /shipping.name is required/,
    ],
    ['tax id type', { taxIds: [{ type: 'VAT', value: '1' }] }, ['input', 'taxIds', '0', 'type'], 'INVALID', /like eu_vat/],
    ['nextInvoiceSequence', { nextInvoiceSequence: 0 }, ['input', 'nextInvoiceSequence'], 'INVALID', /at least 1/],
    ['externalId with spaces', { externalId: 'has space' }, ['input', 'externalId'], 'INVALID', /without spaces/],
  ];
  it.each(invalid)('refuses bad %s with a userError naming the field, writing nothing', async (_rule, input, field, code, message) => {
    const before = await rowCounts();
    const { customer, userErrors } = await create(input);
    expect(customer).toBeNull();
    expect(userErrors).toHaveLength(1);
    expect(userErrors[0]).toMatchObject({ field, code });
    expect(userErrors[0].message).toMatch(message);
    expect(await rowCounts()).toEqual(before);
  });

  it('reports every broken rule at once', async () => {
    const { userErrors } = await create({ email: 'nope', currency: 'ZZZ', locale: 'x' });
    expect(userErrors.map((e: any) => e.field.join('.')).sort()).toEqual(['input.currency', 'input.email', 'input.locale']);
  });

  it('accepts exactly 50 metadata keys of 40 characters with values of 500', async () => {
    const metadata = Object.fromEntries(
      Array.from({ length: 50 }, (_, i) => [`${String(i).padStart(2, '0')}${'k'.repeat(38)}`, 'v'.repeat(500)]),
    );
    const { customer, userErrors } = await create({ metadata });
    expect(userErrors).toEqual([]);
    expect(Object.keys(customer.metadata)).toHaveLength(50);
  });

  it('refuses a second live customer with the same email (EMAIL_TAKEN), case-sensitively, per environment', async () => {
    await create({ email: 'taken@example.com' });
    const before = await rowCounts();
    const second = await create({ email: 'taken@example.com' });
    expect(second.userErrors).toEqual([
      { field: ['input', 'email'], code: 'EMAIL_TAKEN', message: expect.stringContaining('already used') },
    ]);
    expect(await rowCounts()).toEqual(before);
    expect((await create({ email: 'taken@example.com' }, t.merchant.liveKey)).userErrors).toEqual([]);
    expect((await create({ email: 'taken@example.com' }, t.otherMerchant.testKey)).userErrors).toEqual([]);
  });

  it('refuses a taken externalId (EXTERNAL_ID_TAKEN) and a taken invoicePrefix', async () => {
    await create({ externalId: 'dup_ext', invoicePrefix: 'DUP01' });
    expect((await create({ externalId: 'dup_ext' })).userErrors[0]).toMatchObject({
      code: 'EXTERNAL_ID_TAKEN',
      field: ['input', 'externalId'],
    });
    expect((await create({ invoicePrefix: 'DUP01' })).userErrors[0]).toMatchObject({
      code: 'INVOICE_PREFIX_TAKEN',
      field: ['input', 'invoicePrefix'],
    });
  });
});

describe('updateCustomer', () => {
  it('changes only the fields given; null clears; records before and after', async () => {
    const { customer } = await create({ name: 'Grace', email: 'grace@example.com', phone: '+1 555 0100', description: 'keep me' });
    const { customer: updated, userErrors } = await update({ id: customer.id, name: 'Grace Hopper', phone: null });
    expect(userErrors).toEqual([]);
    expect(updated).toMatchObject({ name: 'Grace Hopper', email: 'grace@example.com', phone: null, description: 'keep me', version: 2 });
    const events = (await t.request(EVENTS, { id: customer.id })).data!.customer.events;
    expect(events.totalCount).toBe(2);
    expect(events.edges[0].node).toEqual({
      type: 'CUSTOMER_UPDATED',
      customerId: customer.id,
      data: { changes: { name: { before: 'Grace', after: 'Grace Hopper' }, phone: { before: '+1 555 0100', after: null } } },
    });
  });

  it('merges metadata as Stripe does: new keys add, "" removes a key, null removes all', async () => {
    const { customer } = await create({ metadata: { a: '1', b: '2' } });
    expect((await update({ id: customer.id, metadata: { c: '3', a: 'one' } })).customer.metadata).toEqual({ a: 'one', b: '2', c: '3' });
    expect((await update({ id: customer.id, metadata: { b: '' } })).customer.metadata).toEqual({ a: 'one', c: '3' });
    expect((await update({ id: customer.id, name: 'x' })).customer.metadata).toEqual({ a: 'one', c: '3' });
    expect((await update({ id: customer.id, metadata: null })).customer.metadata).toEqual({});
  });

  it('refuses metadata that would exceed 50 keys after the merge, writing nothing', async () => {
    const { customer } = await create({ metadata: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v'])) });
    const before = await rowCounts();
    const { userErrors } = await update({ id: customer.id, metadata: { extra: 'v' } });
    expect(userErrors[0]).toMatchObject({ field: ['input', 'metadata'], code: 'INVALID' });
    expect(await rowCounts()).toEqual(before);
    expect((await update({ id: customer.id, metadata: { k0: '', extra: 'v' } })).userErrors).toEqual([]);
  });

  it('writes no event and keeps the version when nothing changes', async () => {
    const { customer } = await create({ name: 'Same' });
    const { customer: updated } = await update({ id: customer.id, name: 'Same' });
    expect(updated.version).toBe(1);
    expect((await t.request(EVENTS, { id: customer.id })).data!.customer.events.totalCount).toBe(1);
  });

  it('validates like create and writes nothing', async () => {
    const { customer } = await create({ name: 'Valid' });
    const before = await rowCounts();
    const { userErrors } = await update({ id: customer.id, name: 'New', email: 'bad' });
    expect(userErrors).toEqual([{ field: ['input', 'email'], code: 'INVALID', message: expect.any(String) }]);
    expect(await rowCounts()).toEqual(before);
    const reread = await t.request('query($id: ID!) { customer(id: $id) { name version } }', { id: customer.id });
    expect(reread.data!.customer).toEqual({ name: 'Valid', version: 1 });
  });

  it('refuses null for a field that cannot be empty', async () => {
    const { customer } = await create({});
    expect((await update({ id: customer.id, sendEmailReceipts: null })).userErrors[0]).toMatchObject({
      field: ['input', 'sendEmailReceipts'],
      code: 'INVALID',
    });
  });

  it('refuses an email taken by another customer', async () => {
    await create({ email: 'first@example.com' });
    const { customer } = await create({ email: 'second@example.com' });
    expect((await update({ id: customer.id, email: 'first@example.com' })).userErrors[0].code).toBe('EMAIL_TAKEN');
  });

  it('answers NOT_FOUND for unknown, foreign and deleted ids', async () => {
    const foreign = await create({ name: 'Theirs' }, t.otherMerchant.testKey);
    const { customer: gone } = await create({ name: 'Gone' });
    await t.request(DELETE, { input: { id: gone.id } });
    for (const id of ['cus_000000000000000000000000', foreign.customer.id, gone.id, 'garbage']) {
      const { userErrors } = await update({ id, name: 'x' });
      expect(userErrors).toEqual([{ field: ['input', 'id'], code: 'NOT_FOUND', message: `No customer with id "${id}"` }]);
    }
    const theirs = await t.request(
      'query($id: ID!) { customer(id: $id) { name } }',
      { id: foreign.customer.id },
      { key: t.otherMerchant.testKey },
    );
    expect(theirs.data!.customer.name).toBe('Theirs');
  });

  it('checks expectedVersion (VERSION_CONFLICT writes nothing)', async () => {
    const { customer } = await create({ name: 'v1' });
    expect((await update({ id: customer.id, name: 'v2', expectedVersion: 1 })).customer.version).toBe(2);
    const stale = await update({ id: customer.id, name: 'v3', expectedVersion: 1 });
    expect(stale.userErrors[0]).toMatchObject({ code: 'VERSION_CONFLICT', field: ['input', 'expectedVersion'] });
    const reread = await t.request('query($id: ID!) { customer(id: $id) { name version } }', { id: customer.id });
    expect(reread.data!.customer).toEqual({ name: 'v2', version: 2 });
  });
});

const ADDRESSES = `mutation Update($input: UpdateCustomerInput!) {
  updateCustomer(input: $input) {
    customer { version address { line1 line2 city state postalCode country } shipping { name phone address { line1 line2 city state postalCode country } } }
    userErrors { field message code }
  }
}`;
const FULL_ADDRESS = { line1: '1 Rue de Rivoli', line2: 'Bât. B', city: 'Paris', state: 'IDF', postalCode: '75001', country: 'FR' };

async function updateAddresses(input: Record<string, unknown>) {
  const res = await t.request(ADDRESSES, { input });
  expect(res.errors).toBeUndefined();
  return res.data!.updateCustomer;
}

async function stored(id: string) {
  return t.prisma.customer.findUniqueOrThrow({ where: { id } });
}

describe('updateCustomer merges addresses', () => {
  it('keeps the lines left out, replaces those given, clears those given as null', async () => {
    const { customer } = await create({ address: FULL_ADDRESS });
    const moved = await updateAddresses({ id: customer.id, address: { city: 'Lyon', postalCode: '69001' } });
    expect(moved.userErrors).toEqual([]);
    expect(moved.customer.address).toEqual({ ...FULL_ADDRESS, city: 'Lyon', postalCode: '69001' });
    const cleared = await updateAddresses({ id: customer.id, address: { line2: null, country: 'fr' } });
    expect(cleared.customer.address).toEqual({ ...FULL_ADDRESS, city: 'Lyon', postalCode: '69001', line2: null });
    expect((await stored(customer.id)).address).toEqual({ ...FULL_ADDRESS, city: 'Lyon', postalCode: '69001', line2: null });
  });

  it('records the whole address before and after in the event', async () => {
    const { customer } = await create({ address: FULL_ADDRESS });
    await update({ id: customer.id, address: { city: 'Lyon' } });
    const [latest] = (await t.request(EVENTS, { id: customer.id })).data!.customer.events.edges;
    expect(latest.node.data).toEqual({ changes: { address: { before: FULL_ADDRESS, after: { ...FULL_ADDRESS, city: 'Lyon' } } } });
  });

  it('writes no event and keeps the version when the merge changes nothing', async () => {
    const { customer } = await create({ address: FULL_ADDRESS, shipping: { name: 'Ada', address: FULL_ADDRESS } });
    const same = await updateAddresses({ id: customer.id, address: { city: 'Paris' }, shipping: { address: { country: 'FR' } } });
    expect(same.customer.version).toBe(1);
    expect((await t.request(EVENTS, { id: customer.id })).data!.customer.events.totalCount).toBe(1);
  });

  it('stores an address left without any line as null, and address: null clears it', async () => {
    const { customer } = await create({ address: { city: 'Paris', country: 'FR' } });
    const emptied = await updateAddresses({ id: customer.id, address: { city: null, country: null } });
    expect(emptied.customer.address).toBeNull();
    expect((await stored(customer.id)).address).toBeNull();
    await update({ id: customer.id, address: { city: 'Nice' } });
    expect((await updateAddresses({ id: customer.id, address: null })).customer.address).toBeNull();
    expect((await stored(customer.id)).address).toBeNull();
    const { customer: blank } = await create({ address: {} });
    expect(blank.address).toBeNull();
    expect((await stored(blank.id)).address).toBeNull();
  });

  it('merges shipping: name and phone given replace, its address merges, shipping: null clears it', async () => {
    const { customer } = await create({ shipping: { name: 'Ada', phone: '+33 1 23 45 67 89', address: FULL_ADDRESS } });
    const renamed = await updateAddresses({ id: customer.id, shipping: { name: 'Ada L.', address: { line1: '2 Rue de Rivoli' } } });
    expect(renamed.userErrors).toEqual([]);
    expect(renamed.customer.shipping).toEqual({
      name: 'Ada L.',
      phone: '+33 1 23 45 67 89',
      address: { ...FULL_ADDRESS, line1: '2 Rue de Rivoli' },
    });
    const noPhone = await updateAddresses({ id: customer.id, shipping: { phone: null } });
    expect(noPhone.customer.shipping).toEqual({ name: 'Ada L.', phone: null, address: { ...FULL_ADDRESS, line1: '2 Rue de Rivoli' } });
    expect((await updateAddresses({ id: customer.id, shipping: null })).customer.shipping).toBeNull();
    expect((await stored(customer.id)).shipping).toBeNull();
  });

  it('refuses a shipping left without name or address (REQUIRED), writing nothing', async () => {
    const { customer } = await create({ shipping: { name: 'Ada', address: FULL_ADDRESS } });
    const before = await rowCounts();
    for (const shipping of [
      { name: null },
      { name: '' },
      { address: null },
      { address: Object.fromEntries(Object.keys(FULL_ADDRESS).map((line) => [line, null])) },
    ]) {
      const { userErrors } = await updateAddresses({ id: customer.id, shipping });
      expect(userErrors).toEqual([
        {
          field: ['input', 'shipping', 'name' in shipping ? 'name' : 'address'],
          code: 'REQUIRED',
          message: expect.stringMatching(/is required/),
        },
      ]);
    }
    expect(await rowCounts()).toEqual(before);
    expect((await stored(customer.id)).shipping).toEqual({ name: 'Ada', phone: null, address: FULL_ADDRESS });

    const { customer: bare } = await create({});
    const { userErrors } = await updateAddresses({ id: bare.id, shipping: { phone: '+33 1 23 45 67 89' } });
    expect(userErrors.map((e: any) => [e.field.join('.'), e.code])).toEqual([
      ['input.shipping.name', 'REQUIRED'],
      ['input.shipping.address', 'REQUIRED'],
    ]);
  });
});

describe('updateCustomer locks the currency once money is recorded in it', () => {
  const CURRENCY =
    'mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { customer { currency version } userErrors { field message code } } }';
  const LOCKED = {
    field: ['input', 'currency'],
    code: 'CURRENCY_LOCKED',
    message: 'currency cannot change once the customer has invoices, charges or a non-zero account balance',
  };

  async function changeCurrency(input: Record<string, unknown>) {
    const res = await t.request(CURRENCY, { input });
    expect(res.errors).toBeUndefined();
    return res.data!.updateCustomer;
  }

  async function expectLocked(id: string, currency: string) {
    const before = await rowCounts();
    for (const change of ['USD', null]) {
      expect(await changeCurrency({ id, currency: change, name: 'Not written' })).toEqual({ customer: null, userErrors: [LOCKED] });
    }
    expect(await rowCounts()).toEqual(before);
    expect(await stored(id)).toMatchObject({ currency, name: null, version: 1 });
  }

  it('refuses a change once the customer has an invoice', async () => {
    const { customer } = await create({ currency: 'EUR' });
    await t.prisma.invoice.create({
      data: { id: newId('Invoice'), customerId: customer.id, number: 'L-1', status: 'DRAFT', total: 0n, currency: 'EUR' },
    });
    await expectLocked(customer.id, 'EUR');
  });

  it('refuses a change once the customer has a charge', async () => {
    const { customer } = await create({ currency: 'EUR' });
    await t.prisma.charge.create({
      data: { id: newId('Charge'), customerId: customer.id, amount: 100n, currency: 'EUR', status: 'FAILED' },
    });
    await expectLocked(customer.id, 'EUR');
  });

  it('refuses a change while the account balance is not zero, and allows it once it is', async () => {
    const { customer } = await create({ currency: 'EUR', accountBalance: '-500' });
    await expectLocked(customer.id, 'EUR');
    expect((await changeCurrency({ id: customer.id, accountBalance: '0' })).userErrors).toEqual([]);
    expect(await changeCurrency({ id: customer.id, currency: 'usd' })).toEqual({
      customer: { currency: 'USD', version: 3 },
      userErrors: [],
    });
  });

  it('takes setting the currency it already has as no change', async () => {
    const { customer } = await create({ currency: 'EUR', accountBalance: '100' });
    expect(await changeCurrency({ id: customer.id, currency: 'eur' })).toEqual({
      customer: { currency: 'EUR', version: 1 },
      userErrors: [],
    });
  });

  it('allows a change, or clearing it, when the customer has neither balance, invoices nor charges', async () => {
    const { customer } = await create({ currency: 'EUR' });
    expect(await changeCurrency({ id: customer.id, currency: 'GBP' })).toEqual({
      customer: { currency: 'GBP', version: 2 },
      userErrors: [],
    });
    const [latest] = (await t.request(EVENTS, { id: customer.id })).data!.customer.events.edges;
    expect(latest.node.data).toEqual({ changes: { currency: { before: 'EUR', after: 'GBP' } } });
    expect(await changeCurrency({ id: customer.id, currency: null })).toEqual({ customer: { currency: null, version: 3 }, userErrors: [] });
  });

  it('is reported with every other broken rule at once', async () => {
    const { customer } = await create({ currency: 'EUR', accountBalance: '1', shipping: { name: 'Ada', address: { city: 'Paris' } } });
    const before = await rowCounts();
    const { userErrors } = await update({ id: customer.id, email: 'nope', currency: 'USD', shipping: { name: null } });
    expect(userErrors.map((e: any) => [e.field.join('.'), e.code])).toEqual([
      ['input.email', 'INVALID'],
      ['input.shipping.name', 'REQUIRED'],
      ['input.currency', 'CURRENCY_LOCKED'],
    ]);
    expect(await rowCounts()).toEqual(before);
  });
});

describe('locales', () => {
  const LOCALES = 'query($id: ID!) { customer(id: $id) { locale preferredLocales } }';

  it("accepts Stripe's forms and stores each as its canonical BCP 47 tag", async () => {
    const { customer, userErrors } = await create({
      locale: 'fr_fr',
      preferredLocales: ['en', 'fr-FR', 'fr_FR', 'FR-fr', 'zh-Hant-TW', 'es-419', 'EN', 'zh_hant_tw'],
    });
    expect(userErrors).toEqual([]);
    const canonical = { locale: 'fr-FR', preferredLocales: ['en', 'fr-FR', 'fr-FR', 'fr-FR', 'zh-Hant-TW', 'es-419', 'en', 'zh-Hant-TW'] };
    expect((await t.request(LOCALES, { id: customer.id })).data!.customer).toEqual(canonical);
    expect(await stored(customer.id)).toMatchObject(canonical);
    expect((await update({ id: customer.id, locale: 'EN' })).userErrors).toEqual([]);
    expect((await stored(customer.id)).locale).toBe('en');
  });

  it('takes a locale in another form of the stored one as no change', async () => {
    const { customer } = await create({ locale: 'de-DE', preferredLocales: ['de-DE'] });
    expect((await update({ id: customer.id, locale: 'de_DE', preferredLocales: ['DE-de'] })).customer.version).toBe(1);
  });

  it('reports each refused locale, naming the rule', async () => {
    const { customer } = await create({});
    const { userErrors } = await update({ id: customer.id, locale: '_en', preferredLocales: ['en', 'en-', 'en-US-u-nu-thai'] });
    expect(userErrors).toEqual([
      { field: ['input', 'locale'], code: 'INVALID', message: 'input.locale must be a locale like en or fr-FR' },
      { field: ['input', 'preferredLocales', '1'], code: 'INVALID', message: 'input.preferredLocales.1 must be a locale like en or fr-FR' },
      { field: ['input', 'preferredLocales', '2'], code: 'TOO_LONG', message: expect.stringMatching(/at most 10 characters, got 15/) },
    ]);
  });

  it('are rewritten from the underscore form by migration 20261206000100_locales_bcp47', async () => {
    const ids = [newId('Customer'), newId('Customer')];
    await t.prisma.customer.createMany({
      data: [
        { id: ids[0], accountId: t.merchant.accountId, env: 'TEST', locale: 'en_US', preferredLocales: ['en_US', 'fr', 'pt_BR'] },
        { id: ids[1], accountId: t.merchant.accountId, env: 'TEST', locale: 'nl-NL', preferredLocales: [] },
      ],
    });
    const migration = readMigrations().find((m) => m.name === '20261206000100_locales_bcp47')!;
    const session = await t.db.openSession();
    await session.exec(migration.sql).finally(() => session.release());
    expect((await t.request(LOCALES, { id: ids[0] })).data!.customer).toEqual({
      locale: 'en-US',
      preferredLocales: ['en-US', 'fr', 'pt-BR'],
    });
    expect((await t.request(LOCALES, { id: ids[1] })).data!.customer).toEqual({ locale: 'nl-NL', preferredLocales: [] });
  });
});

describe('deleteCustomer', () => {
  it('leaves a tombstone as Stripe does: subscriptions canceled, invoices and charges readable, personal data erased everywhere', async () => {
    const { customer } = await create({
      name: 'Temp',
      email: 'temp@example.com',
      externalId: 'temp_1',
      metadata: { a: 'b' },
      phone: '+1 555 0101',
      address: { city: 'Oslo' },
      currency: 'EUR',
    });
    await update({ id: customer.id, email: 'temp2@example.com', address: { city: 'Bergen' }, description: 'kept?' });
    const customerId = customer.id;
    const entityId = newId('Entity');
    const invoiceId = newId('Invoice');
    await t.prisma.entity.create({ data: { id: entityId, customerId, externalId: 'seat_1' } });
    await t.prisma.subscription.create({
      data: { id: newId('Subscription'), customerId, planId: 'pro', status: 'ACTIVE', startedAt: new Date() },
    });
    await t.prisma.balance.create({ data: { id: newId('Balance'), customerId, featureId: 'api', interval: 'MONTH', granted: 10n } });
    await t.prisma.paymentMethod.create({
      data: { id: newId('PaymentMethod'), customerId, type: 'CARD', isDefault: true, cardLast4: '4242' },
    });
    await t.prisma.invoice.create({ data: { id: invoiceId, customerId, number: 'T-1', status: 'PAID', total: 900n, currency: 'EUR' } });
    await t.prisma.charge.create({
      data: { id: newId('Charge'), customerId, invoiceId, amount: 900n, currency: 'EUR', status: 'SUCCEEDED' },
    });

    const res = await t.request(DELETE, { input: { id: customerId } });
    expect(res.data!.deleteCustomer).toEqual({ deletedCustomerId: customerId, userErrors: [] });
    const tombstone = await t.request(
      `query($id: ID!) { customer(id: $id) { id deleted deletedAt name email phone externalId description address { city } shipping { name } metadata
        subscriptions { status canceledAt } balances { id } entities { id } paymentMethod { id }
        invoices { totalCount edges { node { id } } } charges { totalCount }
        stats { invoiceCount chargeCount totalSpent { amount currency } }
        events { edges { node { type data } } } } }`,
      { id: customerId },
    );
    const read = tombstone.data!.customer;
    expect(read).toMatchObject({
      id: customerId,
      deleted: true,
      name: null,
      email: null,
      phone: null,
      externalId: null,
      description: null,
      address: null,
      shipping: null,
      metadata: {},
      subscriptions: [{ status: 'CANCELED', canceledAt: read.deletedAt }],
      balances: [],
      entities: [],
      paymentMethod: null,
      invoices: { totalCount: 1, edges: [{ node: { id: invoiceId } }] },
      charges: { totalCount: 1 },
      stats: { invoiceCount: 1, chargeCount: 1, totalSpent: { amount: '9.00', currency: 'EUR' } },
    });
    expect(read.deletedAt).toEqual(expect.any(String));
    expect(read.events.edges.map((e: any) => e.node.type)).toEqual(['CUSTOMER_DELETED', 'CUSTOMER_UPDATED', 'CUSTOMER_CREATED']);
    expect(read.events.edges[1].node.data).toEqual({
      changes: {
        email: { before: null, after: null },
        address: { before: null, after: null },
        description: { before: null, after: null },
      },
    });
    expect(JSON.stringify(await t.prisma.event.findMany({ where: { customerId } }))).not.toMatch(/temp|Oslo|Bergen|kept/i);
    expect((await t.request('query($id: ID!) { node(id: $id) { id } }', { id: invoiceId })).data!.node).toEqual({ id: invoiceId });
    expect((await create({ email: 'temp@example.com', externalId: 'temp_1' })).userErrors).toEqual([]);
  });

  it('answers NOT_FOUND for a second delete, unknown and foreign ids', async () => {
    const { customer } = await create({});
    await t.request(DELETE, { input: { id: customer.id } });
    const foreign = await create({}, t.otherMerchant.liveKey);
    for (const id of [customer.id, 'cus_unknown', foreign.customer.id]) {
      const res = await t.request(DELETE, { input: { id } });
      expect(res.data!.deleteCustomer).toEqual({
        deletedCustomerId: null,
        userErrors: [{ field: ['input', 'id'], code: 'NOT_FOUND', message: `No customer with id "${id}"` }],
      });
    }
  });

  it('checks expectedVersion', async () => {
    const { customer } = await create({});
    const res = await t.request(DELETE, { input: { id: customer.id, expectedVersion: 7 } });
    expect(res.data!.deleteCustomer.userErrors[0].code).toBe('VERSION_CONFLICT');
    const reread = await t.request('query($id: ID!) { customer(id: $id) { deleted } }', { id: customer.id });
    expect(reread.data!.customer.deleted).toBe(false);
  });
});
