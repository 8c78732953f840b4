import { GraphQLError } from 'graphql';
import { Repeater } from 'graphql-yoga';
import { LIVE_LIMITS } from '../config/limits.ts';
import { createLoaders } from '../data/loaders.ts';
import { scoped } from '../data/tenant.ts';
import type { Event } from '../generated/prisma/client.ts';
import type { Context } from '../resolvers/context.ts';
import { builder } from './builder.ts';
import { EventTypeEnum } from './event.ts';

/** Event types after which a balance may have changed: a meter, a grant or its taking back, a seat, a reset. */
const BALANCE_EVENTS = [
  'USAGE_TRACKED',
  'USAGE_SET',
  'SUBSCRIPTION_CREATED',
  'SUBSCRIPTION_CANCELED',
  'SUBSCRIPTION_ENDED',
  'ENTITY_CREATED',
  'ENTITY_DELETED',
  'BALANCE_RESET',
] as const;

/** The features an event says it changed the balances of (a grant names several). */
function featuresOf(event: Event): string[] {
  const data = event.data as { featureId?: string | null; featureIds?: string[] };
  return [...(data.featureId ? [data.featureId] : []), ...(data.featureIds ?? [])];
}

/** Whose balance an event changed: a seat is the customer's own; otherwise the entity the event names, if any. */
const balanceOwner = (event: Event) =>
  event.type.startsWith('ENTITY_') ? null : ((event.data as { entityId?: string | null }).entityId ?? null);

/**
 * Each event is answered with loaders of its own: a subscription's context lives as long as it
 * does, and what the loaders cached for one event would be stale for the next.
 */
function freshLoaders(ctx: Context) {
  ctx.loaders = createLoaders(ctx.prisma, ctx.caller);
}

builder.subscriptionType({
  description: "Live updates of the caller's account and environment, as writes commit in any server process (SSE or graphql-ws).",
});

builder.subscriptionFields((t) => ({
  customerEvents: t.prismaField({
    type: 'Event',
    description: `Every event of the caller's account and environment as it commits, or one customer's, in order. With \`after\` (an event id), first the events that followed it (at most ${LIVE_LIMITS.replay}), then the live ones, each once.`,
    args: {
      customerId: t.arg.id({ description: "Only this customer's events." }),
      types: t.arg({ type: [EventTypeEnum], description: 'Only events of these types.' }),
      after: t.arg.id({ description: 'Resume after this event: what followed it comes first.' }),
    },
    subscribe: (_root, args, ctx) =>
      ctx.live.events(ctx.caller, { customerId: args.customerId?.toString(), types: args.types }, args.after?.toString()),
    resolve: (query, event: Event | GraphQLError, _args, ctx) => {
      if (event instanceof GraphQLError) throw event;
      freshLoaders(ctx);
      return ctx.prisma.event.findFirstOrThrow({ ...query, where: scoped('Event', ctx.caller, { id: event.id }) });
    },
  }),
  customerChanged: t.prismaField({
    type: 'Customer',
    description:
      'The customer, after each change of it or of what it has (subscriptions, balances, entities, referrals); a tombstone once deleted.',
    args: { id: t.arg.id({ required: true, description: 'The customer, `cus_…`.' }) },
    subscribe: (_root, args, ctx) => ctx.live.events(ctx.caller, { customerId: String(args.id) }),
    resolve: (query, event: Event | GraphQLError, _args, ctx) => {
      if (event instanceof GraphQLError) throw event;
      freshLoaders(ctx);
      return ctx.prisma.customer.findFirstOrThrow({ ...query, where: scoped('Customer', ctx.caller, { id: event.customerId }) });
    },
  }),
  balanceChanged: t.prismaField({
    type: 'Balance',
    description:
      "A balance of the customer (its own or an entity's; of one feature, with featureId) after each track, set, grant, seat taken or given back, or reset. A balance that went away (its grant taken back) is not sent.",
    args: {
      customerId: t.arg.id({ required: true, description: 'The customer, `cus_…`.' }),
      featureId: t.arg.string({ description: 'Only this feature.' }),
    },
    subscribe: (_root, args, ctx) =>
      new Repeater<{ id: string } | GraphQLError>(async (push, stop) => {
        const events = ctx.live.events(ctx.caller, { customerId: String(args.customerId), types: BALANCE_EVENTS });
        void stop.then(() => events.return?.());
        for await (const event of events) {
          if (event instanceof GraphQLError) {
            await push(event);
            break;
          }
          for (const featureId of featuresOf(event)) {
            if (args.featureId && featureId !== args.featureId) continue;
            const balance = await ctx.prisma.balance.findFirst({
              where: scoped('Balance', ctx.caller, { customerId: event.customerId, entityId: balanceOwner(event), featureId }),
              select: { id: true },
            });
            if (balance) await push(balance);
          }
        }
        stop();
      }),
    resolve: (query, balance: { id: string } | GraphQLError, _args, ctx) => {
      if (balance instanceof GraphQLError) throw balance;
      freshLoaders(ctx);
      return ctx.prisma.balance.findFirstOrThrow({ ...query, where: scoped('Balance', ctx.caller, { id: balance.id }) });
    },
  }),
}));
