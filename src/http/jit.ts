import { useGraphQlJit } from '@envelop/graphql-jit';
import {
  type DocumentNode,
  type GraphQLSchema,
  getNamedType,
  isInputObjectType,
  TypeInfo,
  typeFromAST,
  visit,
  visitWithTypeInfo,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Scalars whose literals parse to a value JSON cannot carry (a bigint, a Date), or that the code
 * reads back as something else (an object with a `__proto__` key): graphql-jit writes parsed
 * literals into the code it generates with JSON.stringify, which throws on a bigint, turns a Date
 * into a string, and writes an object literal in which `"__proto__": …` sets the prototype.
 */
const NOT_JSON_SCALARS = new Set(['BigInt', 'DateTime', 'JSON', 'JSONObject']);

/**
 * Whether graphql-jit runs the document as graphql-js would. Besides literals JSON cannot carry,
 * it accepts some wrong variables that graphql-js refuses (`[]` for an input object), so an
 * operation with an input-object variable, such as every mutation's `input`, is left to graphql-js.
 */
function runsTheSameCompiled(schema: GraphQLSchema, document: DocumentNode): boolean {
  const typeInfo = new TypeInfo(schema);
  let same = true;
  const checkLiteral = () => {
    const type = typeInfo.getInputType();
    if (type && NOT_JSON_SCALARS.has(getNamedType(type).name)) same = false;
  };
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      IntValue: checkLiteral,
      StringValue: checkLiteral,
      ObjectValue: checkLiteral,
      VariableDefinition(definition) {
        const type = typeFromAST(schema, definition.type);
        if (type && isInputObjectType(getNamedType(type))) same = false;
      },
    }),
  );
  return same;
}

/**
 * Runs each operation as JavaScript compiled once per document (graphql-jit), which resolves a large
 * selection several times faster than graphql-js and allocates far less. A document that the
 * compiled code would run differently goes through the usual executor instead.
 */
export function compiledExecution(): Plugin {
  const compilable = new WeakMap<DocumentNode, boolean>();
  return useGraphQlJit(
    {},
    {
      enableIf: ({ schema, document }) => {
        let ok = compilable.get(document);
        if (ok === undefined) {
          ok = runsTheSameCompiled(schema, document);
          compilable.set(document, ok);
        }
        return ok;
      },
    },
  ) as Plugin;
}
