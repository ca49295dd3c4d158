/**
 * Helpers for the template engine tests: evaluate one snippet in a given template
 * version, and a resolver over fixed resource data standing in for created resources.
 */
import assert from 'node:assert/strict';
import { compileStack, ResourceTypeRegistry, builtinResourceTypes, TemplateError, type Resolver, type StackDefinition } from '../../../translators/heat/index.js';
import { selectPath } from '../../../translators/heat/index.js';

export const IDENTITY = { stackName: 'teststack', stackId: 'a3f5c7e9-1111-2222-3333-444455556666', projectId: 'p-0001' };

/** A registry with the built-in pure types. */
export function builtinRegistry(): ResourceTypeRegistry {
  return new ResourceTypeRegistry(builtinResourceTypes());
}

/** Resources as they would be after creation: reference ids and attributes by name. */
export function fixedResolver(resources: Record<string, { id: string; attributes?: Record<string, unknown> }>): Resolver {
  return {
    getResource: (name) => resources[name]!.id,
    getAttr: (name, path) => {
      const attributes = resources[name]!.attributes ?? {};
      return path.length === 0 ? attributes : selectPath(attributes[path[0] as string], path.slice(1));
    },
  };
}

/** Options of {@link evalSnippet}. */
export interface SnippetOptions {
  readonly version?: string;
  readonly parameters?: Record<string, unknown>;
  readonly values?: Record<string, unknown>;
  readonly files?: Record<string, string>;
  readonly resolver?: Resolver;
  readonly resources?: Record<string, unknown>;
  readonly conditions?: Record<string, unknown>;
}

/** Compiles a template whose one output is `snippet` and returns the output's value. */
export async function evalSnippet(snippet: unknown, options: SnippetOptions = {}): Promise<unknown> {
  const stack = await snippetStack(snippet, options);
  return stack.outputValue('out', options.resolver);
}

/** The stack {@link evalSnippet} compiles. */
export async function snippetStack(snippet: unknown, options: SnippetOptions = {}): Promise<StackDefinition> {
  const template: Record<string, unknown> = {
    heat_template_version: options.version ?? '2021-04-16',
    parameters: options.parameters ?? {},
    resources: options.resources ?? {},
    outputs: { out: { value: snippet } },
  };
  if (options.conditions !== undefined) template.conditions = options.conditions;
  return compileStack(template, {
    identity: IDENTITY, registry: builtinRegistry(),
    ...(options.values === undefined ? {} : { parameters: options.values }),
    ...(options.files === undefined ? {} : { files: options.files }),
  });
}

/** Asserts that `promise` rejects with a TemplateError whose message matches. */
export async function rejectsTemplate(promise: Promise<unknown>, message: RegExp): Promise<TemplateError> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof TemplateError, `expected a TemplateError, got ${String(caught)}`);
  assert.match(caught.message, message);
  return caught;
}
