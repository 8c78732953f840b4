import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import type { DocumentNode, ExecutionResult, FieldNode, GraphQLError, GraphQLSchema, ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Limits } from '../config/limits.ts';
import { apiError, type ErrorCode } from '../domain/errors.ts';
import { checkConnectionArguments } from './connection-arguments.ts';
import { operationCost } from './cost.ts';
import { countText, operationShapes } from './document-analysis.ts';
import { requestInputPlugins } from './request-input.ts';

/** GraphQL Armor reports "Syntax Error: …" without a code; this gives its refusals one. */
function reportAs(code: ErrorCode) {
  return (context: ValidationContext | null, error: GraphQLError) => {
    const refused = apiError(code, error.message.replace(/^Syntax Error: /, ''));
    // The token limit is checked while parsing, before there is a validation context to report to.
    if (!context) throw refused;
    context.reportError(refused);
  };
}

function armor(limits: Limits): Plugin {
  return EnvelopArmorPlugin({
    // Armor walks a fragment again at every spread of it and counts a spread as a level of depth:
    // `documentShapeLimits` below measures these instead.
    maxDepth: { enabled: false },
    maxAliases: { enabled: false },
    maxDirectives: { enabled: false },
    maxTokens: { n: limits.maxTokens, onReject: [reportAs('MAX_TOKENS_EXCEEDED')] },
    // Armor's cost limit reads `first: 100` but not `first: $n`, and knows no default page size:
    // the cost is computed with the variables in `pageAwareCostLimit` below instead.
    costLimit: { enabled: false },
    blockFieldSuggestion: { enabled: true },
  }) as Plugin;
}

/** Depth, aliases and directives of each operation (src/http/document-analysis.ts), held to `limits`. */
function documentShapeLimits(limits: Limits): Plugin {
  const checks = [
    { measure: 'depth', code: 'MAX_DEPTH_EXCEEDED', limit: limits.maxDepth, message: 'Query depth limit' },
    { measure: 'aliases', code: 'MAX_ALIASES_EXCEEDED', limit: limits.maxAliases, message: 'Aliases limit' },
    { measure: 'directives', code: 'MAX_DIRECTIVES_EXCEEDED', limit: limits.maxDirectives, message: 'Directives limit' },
  ] as const;
  return {
    onValidate({ addValidationRule }) {
      addValidationRule((context: ValidationContext) => ({
        Document(document: DocumentNode) {
          for (const shape of operationShapes(document).values()) {
            for (const { measure, code, limit, message } of checks) {
              if (shape[measure] > limit)
                context.reportError(apiError(code, `${message} of ${limit} exceeded, found ${countText(shape[measure])}.`));
            }
          }
          return false;
        },
      }));
    },
  };
}

function pageAwareCostLimit(maxCost: number): Plugin {
  /** The refusal of an operation (a subscription: of each event's answer) that could load too much. */
  const refusal = (args: { schema: GraphQLSchema; document: DocumentNode; operationName?: string | null; variableValues?: unknown }) => {
    const cost = operationCost(args.schema, args.document, args.operationName, args.variableValues as Record<string, unknown>);
    // Undefined: variables the executor refuses before anything runs.
    if (cost === undefined || cost <= maxCost) return undefined;
    return {
      errors: [
        apiError(
          'COST_LIMIT_EXCEEDED',
          `This operation could load ${countText(cost)} objects; at most ${maxCost} are allowed. Ask for smaller pages (first/last) or fewer nested lists.`,
        ),
      ],
    };
  };
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const refused = refusal(args);
      if (refused) setResultAndStopExecution(refused);
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const refused = refusal(args);
      if (refused) setResultAndStopExecution(refused);
    },
  };
}

/**
 * Answers at the deadline (or when the client went away) even while a resolver still waits on
 * the database: the executor set before this plugin races the deadline. What was still running
 * finishes unobserved; its result is dropped. An execution that finished at once (no resolver
 * waited, as for `{ __typename }`) has nothing to race, and costs no timer.
 */
function executionTimeout(timeoutMs: number): Plugin {
  const timedOut = () =>
    apiError(
      'EXECUTION_TIMEOUT',
      `The operation ran longer than ${timeoutMs / 1000} s and was stopped; ask for less. A mutation may still have been applied: read it back, or retry createCustomer with the same Idempotency-Key.`,
    );
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      setExecuteFn((executeArgs) => {
        const started = performance.now();
        const result = executeFn(executeArgs);
        if (!isPromiseLike(result)) return result;
        let stop!: (result: ExecutionResult) => void;
        const stopped = new Promise<ExecutionResult>((resolve) => (stop = resolve));
        const timer = setTimeout(() => stop({ errors: [timedOut()] }), timeoutMs - (performance.now() - started));
        timer.unref();
        const clientGone = (args.contextValue as { request?: Request }).request?.signal;
        const onClientGone = () => stop({ errors: [clientGone?.reason] });
        clientGone?.addEventListener('abort', onClientGone, { once: true });
        return Promise.race([result, stopped]).finally(() => {
          clearTimeout(timer);
          clientGone?.removeEventListener('abort', onClientGone);
        });
      });
    },
  };
}

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T> | null)?.then === 'function';
}

function introspectionDisabled(): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule((context: ValidationContext) => ({
        Field(node: FieldNode) {
          if (node.name.value === '__schema' || node.name.value === '__type') {
            context.reportError(apiError('INTROSPECTION_DISABLED', `Introspection is disabled on this server ("${node.name.value}")`));
          }
        },
      }));
    },
  };
}

/** The plugins that hold every request to `limits`. */
export function requestLimitPlugins(limits: Limits): Plugin[] {
  return [
    ...requestInputPlugins(limits.maxBodyBytes),
    armor(limits),
    documentShapeLimits(limits),
    ...(limits.introspection ? [] : [introspectionDisabled()]),
    pageAwareCostLimit(limits.maxCost),
    checkConnectionArguments(),
    executionTimeout(limits.executionTimeoutMs),
  ];
}
