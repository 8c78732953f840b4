import { newId } from '../domain/ids.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { createApiKey } from './api-keys.ts';

export interface NewAccount {
  accountId: string;
  testKey: string;
  liveKey: string;
}

/** Creates a merchant account with one TEST and one LIVE key; the keys are shown only now. */
export async function createAccount(prisma: PrismaClient, name: string): Promise<NewAccount> {
  return prisma.$transaction(async (tx) => {
    const account = await tx.account.create({ data: { id: newId('Account'), name } });
    return {
      accountId: account.id,
      testKey: await createApiKey(tx, account.id, 'TEST'),
      liveKey: await createApiKey(tx, account.id, 'LIVE'),
    };
  });
}
