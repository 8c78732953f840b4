import { scoped } from '../data/tenant.ts';
import { builder } from './builder.ts';

export const TrialUsedRef = builder.prismaObject('TrialUsed', {
  name: 'TrialUsed',
  description: 'A free trial a customer has used, so it is not granted twice.',
  interfaces: [builder.nodeInterfaceRef()],
  findUnique: ({ id }, ctx) => scoped('TrialUsed', ctx.caller, { id }),
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Prefixed id, `trl_…`; also its global id.' }),
    planId: t.exposeString('planId', { description: 'The plan whose trial was used.' }),
    fingerprint: t.exposeString('fingerprint', { nullable: true, description: 'Device or card fingerprint the trial was tied to.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the trial started.' }),
  }),
});
