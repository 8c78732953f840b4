import { OperationTypeNode, type ValidationRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { apiError } from '../domain/errors.ts';

/**
 * graphql-js 16 validates an operation whose root type the schema lacks as valid (the rule came in
 * 17, KnownOperationTypesRule), and then fails to execute it. The schema has no Subscription root
 * until the API serves live updates.
 */
const subscriptionsNeedARoot: ValidationRule = (context) => ({
  OperationDefinition(operation) {
    if (operation.operation !== OperationTypeNode.SUBSCRIPTION || context.getSchema().getSubscriptionType()) return;
    context.reportError(
      apiError(
        'SUBSCRIPTIONS_NOT_SUPPORTED',
        'This API serves no subscriptions yet: send queries and mutations, and query again to see changes.',
      ),
    );
  },
});

/** Refuses, with HTTP 400, an operation of a type the schema does not serve. */
export function refuseUnservedOperations(): Plugin {
  return { onValidate: ({ addValidationRule }) => addValidationRule(subscriptionsNeedARoot) };
}
