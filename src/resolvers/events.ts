import { newId } from '../domain/ids.ts';
import { Prisma } from '../generated/prisma/client.ts';
import type { EventType } from '../generated/prisma/enums.ts';
import type { Context } from './context.ts';

/** JSON-safe values of an event: money and usage (64-bit) as strings, instants as ISO text. */
export function eventValue(value: unknown): Prisma.InputJsonValue | null {
  if (value === undefined || value === null || value === Prisma.DbNull) return null;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  return value as Prisma.InputJsonValue;
}

/** Records what a verb did to a customer, in the verb's own transaction. */
export async function recordEvent(
  tx: Prisma.TransactionClient,
  ctx: Context,
  customerId: string,
  type: EventType,
  data: Record<string, unknown> = {},
  createdAt?: Date,
): Promise<void> {
  await tx.event.create({
    data: {
      id: newId('Event'),
      accountId: ctx.caller.accountId,
      env: ctx.caller.env,
      customerId,
      type,
      data: Object.fromEntries(Object.entries(data).map(([key, value]) => [key, eventValue(value)])) as Prisma.InputJsonObject,
      ...(createdAt ? { createdAt } : {}),
    },
  });
}
