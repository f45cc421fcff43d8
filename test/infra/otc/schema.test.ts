import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type Body,
  loadModule,
  moduleDirectory,
  parseHcl,
  providerSchema,
  type SchemaBlock,
  schemaProblems,
  single,
} from './support.js';

describe('HCL', () => {
  it('parses every file of the module', () => {
    // Act
    const module = loadModule();

    // Assess
    expect(module.files).toEqual([
      'functions.tf',
      'iam.tf',
      'logs.tf',
      'main.tf',
      'notifications.tf',
      'outputs.tf',
      'storage.tf',
      'variables.tf',
      'versions.tf',
    ]);
    expect(Object.keys(module.resources).length).toBeGreaterThan(0);
  });

  it('rejects what is not HCL, so a broken file fails the check', () => {
    // Prepare
    const broken = ['resource "a" "b" {\n  x = \n}\n', 'variable "v" {\n  default = [1, 2\n}\n', 'locals { a = }'];

    // Act / Assess
    for (const text of broken) expect(() => parseHcl(text, 'broken.tf')).toThrow('broken.tf: not valid HCL');
  });

  it('requires Terraform >= 1.5 and the opentelekomcloud provider from the registry', () => {
    // Prepare
    const blocks = loadModule().terraform;
    const terraform = blocks[0] ?? {};

    // Act
    const providers = single(terraform.required_providers, 'required_providers');

    // Assess
    expect(blocks).toHaveLength(1);
    expect(terraform.required_version).toBe('>= 1.5');
    expect(providers.opentelekomcloud).toEqual({
      source: 'opentelekomcloud/opentelekomcloud',
      version: '>= 1.36.53, < 2.0.0',
    });
  });

  it('gives the example tfvars only declared variables, and every variable without a default', () => {
    // Prepare
    const { variables } = loadModule();
    const example = parseHcl(readFileSync(join(moduleDirectory, 'terraform.tfvars.example'), 'utf8'), 'tfvars');

    // Act
    const undeclared = Object.keys(example).filter((name) => variables[name] === undefined);
    const required = Object.entries(variables)
      .filter(([, body]) => !('default' in body))
      .map(([name]) => name);

    // Assess
    expect(undeclared).toEqual([]);
    expect(required.sort()).toEqual(['log_bucket_name', 'state_bucket_name']);
    for (const name of required) expect(example[name]).toEqual(expect.any(String));
  });

  it('documents every variable and output', () => {
    // Prepare
    const { variables, outputs } = loadModule();

    // Act
    const undocumented = [...Object.entries(variables), ...Object.entries(outputs)]
      .filter(([, body]) => typeof body.description !== 'string' || body.description.length < 20)
      .map(([name]) => name);

    // Assess
    expect(undocumented).toEqual([]);
  });
});

describe('provider schema', () => {
  it('covers exactly the resource and data-source types the module uses, each with the commit and file it was read from', () => {
    // Prepare
    const module = loadModule();

    // Act
    const used = { resources: Object.keys(module.resources).sort(), data: Object.keys(module.data).sort() };

    // Assess
    expect(used.resources).toEqual(Object.keys(providerSchema.resources).sort());
    expect(used.data).toEqual(Object.keys(providerSchema.data_sources).sort());
    for (const entry of [...Object.values(providerSchema.resources), ...Object.values(providerSchema.data_sources)]) {
      expect(providerSchema.sources).toContain(entry.commit);
      expect(entry.commit).toMatch(/^[0-9a-f]{40}$/);
      expect(entry.path).toMatch(/^opentelekomcloud\/services\/.+\.go$/);
    }
  });

  it('finds every argument and nested block of every resource in the provider schema, and every required one set', () => {
    // Prepare
    const module = loadModule();
    const problems: string[] = [];

    // Act
    for (const [kind, declared, schemas] of [
      ['resource', module.resources, providerSchema.resources],
      ['data', module.data, providerSchema.data_sources],
    ] as const) {
      for (const [type, byName] of Object.entries(declared)) {
        const schema = schemas[type];
        if (schema === undefined) {
          problems.push(`${kind} ${type}: not in the provider schema`);
          continue;
        }
        for (const [name, body] of Object.entries(byName))
          problems.push(...schemaProblems(body, schema, `${type}.${name}`));
      }
    }

    // Assess
    expect(problems).toEqual([]);
  });

  it('reports a misspelled argument, a computed attribute set, a missing required argument and an unknown block', () => {
    // Prepare
    const schema: SchemaBlock = {
      attributes: {
        name: { type: 'string', required: true },
        urn: { type: 'string', computed: true },
        memory: { type: 'int', optional: true },
      },
      blocks: { mount: { nesting: 'list', attributes: { path: { type: 'string', required: true } }, blocks: {} } },
    };
    const body: Body = {
      memroy: 1,
      urn: 'x',
      mount: [{}],
      dynamic: { mounts: [{ for_each: 'var.m', content: [{ path: 'p' }] }] },
    };

    // Act
    const problems = schemaProblems(body, schema, 'r.x');

    // Assess
    expect(problems.sort()).toEqual(
      [
        'r.x: unknown argument memroy',
        'r.x: urn is computed by the provider and cannot be set',
        'r.x.mount[0]: required argument path missing',
        'r.x.dynamic: unknown block mounts',
        'r.x: required argument name missing',
      ].sort(),
    );
  });

  it('knows no compression argument of the transfer, at any depth (compression is chosen in the console)', () => {
    // Prepare
    const transfer = providerSchema.resources.opentelekomcloud_lts_transfer_v2;
    const names = (block: SchemaBlock): string[] => [
      ...Object.keys(block.attributes),
      ...Object.entries(block.blocks).flatMap(([name, nested]) => [name, ...names(nested)]),
    ];

    // Act
    const all = transfer === undefined ? [] : names(transfer);

    // Assess
    expect(all).toContain('log_storage_format');
    expect(all).toContain('obs_period');
    expect(all.filter((name) => /compress/i.test(name))).toEqual([]);
  });
});
