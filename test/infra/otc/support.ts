import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Offline view of the Terraform module in infra/otc: every .tf file parsed by HashiCorp's HCL2 parser (hcl/v2,
 * through hcl2json compiled to JavaScript by the hcl2-parser package), so a syntax error fails here as it would
 * in `terraform init`. Expressions stay source text in the `${...}` form hcl2json gives them.
 */

const require = createRequire(import.meta.url);
const hcl = require('hcl2-parser') as { parseToObject(input: string): [unknown, unknown] };

export const root = fileURLToPath(new URL('../../..', import.meta.url));
export const moduleDirectory = join(root, 'infra', 'otc');

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Body = { [key: string]: Json };

/** Parses HCL text; throws naming `where` when the parser rejects it. */
export function parseHcl(text: string, where: string): Body {
  const [result, error] = hcl.parseToObject(text);
  if (error !== null || result === null || typeof result !== 'object') {
    throw new Error(`${where}: not valid HCL`);
  }
  return result as Body;
}

export interface ParsedModule {
  files: string[];
  /** type -> name -> the resource's body (each block parsed once, so hcl2json's one-element arrays are unwrapped). */
  resources: Record<string, Record<string, Body>>;
  data: Record<string, Record<string, Body>>;
  variables: Record<string, Body>;
  outputs: Record<string, Body>;
  locals: Body;
  terraform: Body[];
}

const asBody = (value: Json | undefined, where: string): Body => {
  if (value === null || value === undefined || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`${where}: expected a block`);
  }
  return value;
};

/** The one body of a block that hcl2json lists as `[ {...} ]`. */
export function single(value: Json | undefined, where: string): Body {
  if (!Array.isArray(value) || value.length !== 1) throw new Error(`${where}: expected exactly one block`);
  return asBody(value[0], where);
}

/** Every body of a repeated block (`[ {...}, {...} ]`), or none. */
export function blocks(value: Json | undefined, where: string): Body[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new Error(`${where}: expected blocks`);
  return value.map((item, index) => asBody(item, `${where}[${index}]`));
}

/** The one `dynamic "<name>"` block of a body (its for_each and its content). */
export function dynamicBlock(body: Body, name: string, where: string): Body {
  return single(asBody(body.dynamic, `${where}.dynamic`)[name], `${where}.dynamic.${name}`);
}

let cached: ParsedModule | undefined;

export function loadModule(): ParsedModule {
  if (cached !== undefined) return cached;
  const files = readdirSync(moduleDirectory)
    .filter((file) => file.endsWith('.tf'))
    .sort();
  const parsed: ParsedModule = {
    files,
    resources: {},
    data: {},
    variables: {},
    outputs: {},
    locals: {},
    terraform: [],
  };
  for (const file of files) {
    const body = parseHcl(readFileSync(join(moduleDirectory, file), 'utf8'), file);
    for (const [key, value] of Object.entries(body)) {
      if (key === 'resource' || key === 'data') {
        const target = key === 'resource' ? parsed.resources : parsed.data;
        for (const [type, byName] of Object.entries(asBody(value, `${file}: ${key}`))) {
          for (const [name, list] of Object.entries(asBody(byName, `${file}: ${type}`))) {
            target[type] ??= {};
            if (target[type][name] !== undefined) throw new Error(`${file}: ${type}.${name} is declared twice`);
            target[type][name] = single(list, `${file}: ${type}.${name}`);
          }
        }
      } else if (key === 'variable' || key === 'output') {
        const target = key === 'variable' ? parsed.variables : parsed.outputs;
        for (const [name, list] of Object.entries(asBody(value, `${file}: ${key}`))) {
          target[name] = single(list, `${file}: ${key} ${name}`);
        }
      } else if (key === 'locals') {
        for (const locals of blocks(value, `${file}: locals`)) Object.assign(parsed.locals, locals);
      } else if (key === 'terraform') {
        parsed.terraform.push(...blocks(value, `${file}: terraform`));
      } else {
        throw new Error(`${file}: unexpected top-level block ${key}`);
      }
    }
  }
  cached = parsed;
  return parsed;
}

/** A resource's body, failing the test when the module does not declare it. */
export function resource(type: string, name: string): Body {
  const body = loadModule().resources[type]?.[name];
  if (body === undefined) throw new Error(`the module declares no ${type}.${name}`);
  return body;
}

/** `${expr}` -> `expr`; anything else unchanged (a literal). */
export function expression(value: Json | undefined): string {
  if (typeof value !== 'string') return JSON.stringify(value);
  return value.startsWith('${') && value.endsWith('}') ? value.slice(2, -1) : value;
}

/** Index of the brace closing the one at `open`, skipping quoted strings. */
function closingBrace(text: string, open: number): number {
  let depth = 0;
  let inString = false;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i;
  }
  throw new Error(`unbalanced braces in ${text}`);
}

/**
 * The object constructor that follows `call(` in an expression, parsed: `jsonencode({ a = 1 })` -> `{ a: 1 }`.
 * Object items `key = value` on their own lines are HCL body syntax, so the HCL parser reads them as attributes.
 */
export function objectArgument(value: Json | undefined, call: string): Body {
  const text = expression(value);
  const at = text.indexOf(`${call}(`);
  if (at < 0) throw new Error(`no ${call}(...) in ${text}`);
  const open = text.indexOf('{', at);
  return parseHcl(text.slice(open + 1, closingBrace(text, open)), `${call}(...) object`);
}

// ---- Provider schema ------------------------------------------------------------------------------------------

export interface SchemaBlock {
  attributes: Record<string, { type: string; required?: boolean; optional?: boolean; computed?: boolean }>;
  blocks: Record<string, SchemaBlock & { nesting: string; max_items?: number; required?: boolean }>;
}

export interface ProviderSchema {
  provider: string;
  sources: string[];
  resources: Record<string, SchemaBlock & { commit: string; path: string }>;
  data_sources: Record<string, SchemaBlock & { commit: string; path: string }>;
}

export const providerSchema: ProviderSchema = JSON.parse(
  readFileSync(join(root, 'test', 'infra', 'otc', 'provider-schema.json'), 'utf8'),
);

/** Terraform's own arguments of every resource and data block (not the provider's). */
const META_ARGUMENTS = new Set(['count', 'for_each', 'depends_on', 'provider']);
const META_BLOCKS = new Set(['lifecycle', 'provisioner', 'connection']);

/**
 * Problems of one block body against its schema: unknown attribute or block names (also inside `dynamic`),
 * attributes the provider only computes, and required arguments that are missing.
 */
export function schemaProblems(body: Body, schema: SchemaBlock, where: string, topLevel = true): string[] {
  const problems: string[] = [];
  const present = new Set<string>();
  const checkBlock = (name: string, items: Body[], at: string) => {
    const nested = schema.blocks[name];
    if (nested === undefined) {
      problems.push(`${at}: unknown block ${name}`);
      return;
    }
    present.add(name);
    if (nested.max_items !== undefined && items.length > nested.max_items) {
      problems.push(`${at}: more than ${nested.max_items} ${name} block(s)`);
    }
    items.forEach((item, index) => {
      problems.push(...schemaProblems(item, nested, `${at}.${name}[${index}]`, false));
    });
  };
  for (const [name, value] of Object.entries(body)) {
    if (topLevel && (META_ARGUMENTS.has(name) || META_BLOCKS.has(name))) continue;
    if (name === 'dynamic') {
      for (const [blockName, list] of Object.entries(asBody(value, `${where}.dynamic`))) {
        const contents = blocks(list, `${where}.dynamic.${blockName}`).map((d) =>
          single(d.content, `${where}.dynamic.${blockName}.content`),
        );
        checkBlock(blockName, contents, `${where}.dynamic`);
      }
      continue;
    }
    const attribute = schema.attributes[name];
    if (attribute !== undefined) {
      present.add(name);
      if (attribute.computed === true && attribute.optional !== true && attribute.required !== true) {
        problems.push(`${where}: ${name} is computed by the provider and cannot be set`);
      }
      continue;
    }
    if (schema.blocks[name] !== undefined) {
      checkBlock(name, blocks(value, `${where}.${name}`), where);
      continue;
    }
    problems.push(`${where}: unknown argument ${name}`);
  }
  for (const [name, attribute] of Object.entries(schema.attributes)) {
    if (attribute.required === true && !present.has(name)) problems.push(`${where}: required argument ${name} missing`);
  }
  for (const [name, block] of Object.entries(schema.blocks)) {
    if (block.required === true && !present.has(name)) problems.push(`${where}: required block ${name} missing`);
  }
  return problems;
}
