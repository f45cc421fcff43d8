#!/usr/bin/env node
// Extracts the argument, attribute and nested-block names of the opentelekomcloud provider resources the
// infra/otc module uses, from the provider's Go schema definitions (the authoritative source; the Markdown docs
// sometimes lag). Writes the compact JSON that test/infra/otc checks the module against, so the check needs no
// network and no Terraform binary.
//
//   node test/infra/otc/extract-provider-schema.mjs --source <commit>=<git dir or file tree> [--source ...] \
//     > test/infra/otc/provider-schema.json && npx biome format --write test/infra/otc/provider-schema.json
//
// A source is a bare or normal git directory of terraform-provider-opentelekomcloud read at <commit>, or a plain
// directory laid out like the repository (files saved from that commit). Each resource is taken from the first
// source that has its file. Anything in a schema this script does not understand stops it with a message.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** What the module uses: Terraform type -> `<Go file below opentelekomcloud/services>#<func returning its schema>`. */
const RESOURCES = {
  opentelekomcloud_obs_bucket: 'obs/resource_opentelekomcloud_obs_bucket.go#ResourceObsBucket',
  opentelekomcloud_kms_key_v1: 'kms/resource_opentelekomcloud_kms_key_v1.go#ResourceKmsKeyV1',
  opentelekomcloud_lts_group_v2: 'lts/resource_opentelekomcloud_lts_group_v2.go#ResourceLTSNewGroupV2',
  opentelekomcloud_lts_stream_v2: 'lts/resource_opentelekomcloud_lts_stream_v2.go#ResourceLTSStreamV2',
  opentelekomcloud_lts_transfer_v2: 'lts/resource_opentelekomcloud_lts_transfer_v2.go#ResourceLTSNewTransferV2',
  opentelekomcloud_lb_lts_log_v3: 'elb/v3/resource_opentelekomcloud_lb_lts_log_v3.go#ResourceLtsLogV3',
  opentelekomcloud_fgs_function_v2: 'fgs/resource_opentelekomcloud_fgs_function_v2.go#ResourceFgsFunctionV2',
  opentelekomcloud_fgs_trigger_v2: 'fgs/resource_opentelekomcloud_fgs_trigger_v2.go#ResourceFgsTriggerV2',
  opentelekomcloud_identity_agency_v3: 'iam/resource_opentelekomcloud_identity_agency_v3.go#ResourceIdentityAgencyV3',
  opentelekomcloud_identity_role_v3: 'iam/resource_opentelekomcloud_identity_role_v3.go#ResourceIdentityRoleV3',
  opentelekomcloud_smn_topic_v2: 'smn/resource_opentelekomcloud_smn_topic_v2.go#ResourceTopic',
  opentelekomcloud_smn_subscription_v2: 'smn/resource_opentelekomcloud_smn_subscription_v2.go#ResourceSubscription',
};
/** Data sources, the same way (the module uses none today). */
const DATA_SOURCES = {};
const SERVICES = 'opentelekomcloud/services';

/** Shared helpers of the provider that return a whole *schema.Schema: what they declare. */
const KNOWN_HELPERS = {
  'common.TagsSchema()': { type: 'map', optional: true },
};

function parseArgs(argv) {
  const sources = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] !== '--source') fail(`unknown argument ${argv[i]}`);
    const value = argv[++i] ?? '';
    const eq = value.indexOf('=');
    if (eq < 1 || !/^[0-9a-f]{7,40}$/.test(value.slice(0, eq))) fail(`--source wants <commit>=<path>, got "${value}"`);
    sources.push({ commit: value.slice(0, eq), path: value.slice(eq + 1) });
  }
  if (sources.length === 0) fail('give at least one --source <commit>=<path>');
  return sources;
}

function fail(message) {
  process.stderr.write(`extract-provider-schema: ${message}\n`);
  process.exit(1);
}

function isGitDir(path) {
  return existsSync(join(path, 'HEAD')) && existsSync(join(path, 'objects'));
}

/** The file's text at the source's commit, or undefined when the source does not have it. */
function readSource(source, file) {
  if (isGitDir(source.path) || existsSync(join(source.path, '.git'))) {
    try {
      const gitDir = isGitDir(source.path) ? source.path : join(source.path, '.git');
      return execFileSync('git', ['--git-dir', gitDir, 'show', `${source.commit}:${file}`], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        maxBuffer: 16 * 1024 * 1024,
      });
    } catch {
      return undefined;
    }
  }
  const full = join(source.path, file);
  return existsSync(full) ? readFileSync(full, 'utf8') : undefined;
}

/** Blanks comments and string/rune/raw-string contents (keeping length), so braces inside them do not count. */
function maskGo(text) {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '/' && text[i + 1] === '/') {
      const end = text.indexOf('\n', i);
      const stop = end < 0 ? text.length : end;
      out += ' '.repeat(stop - i);
      i = stop;
    } else if (c === '/' && text[i + 1] === '*') {
      const stop = text.indexOf('*/', i + 2) + 2;
      out += text.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += c !== '`' && text[j] === '\\' ? 2 : 1;
      out += c + 'x'.repeat(j - i - 1) + c;
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Index of the brace closing the one at `open` (in masked text). */
function closing(masked, open) {
  let depth = 0;
  for (let i = open; i < masked.length; i++) {
    if (masked[i] === '{') depth++;
    else if (masked[i] === '}' && --depth === 0) return i;
  }
  throw new Error(`unbalanced braces from offset ${open}`);
}

/** The text of [from, to) with everything nested in braces blanked: what is left is this level only. */
function topLevel(masked, from, to) {
  let out = '';
  let depth = 0;
  for (let i = from; i < to; i++) {
    const c = masked[i];
    if (c === '}') depth--;
    out += depth > 0 ? (c === '\n' ? '\n' : ' ') : c;
    if (c === '{') depth++;
  }
  return out;
}

class GoFile {
  constructor(text, where) {
    this.text = text;
    this.masked = maskGo(text);
    this.where = where;
  }

  /** Offset of the body brace of `func name() *schema.Resource {`. */
  funcBody(name) {
    const match = new RegExp(`func ${name}\\(\\)\\s*\\*schema\\.Resource\\s*\\{`).exec(this.masked);
    if (!match) return undefined;
    return match.index + match[0].length - 1;
  }

  /** Parses the first `Schema: map[string]*schema.Schema{...}` between from and to. */
  schemaMap(from, to, context) {
    const region = this.masked.slice(from, to);
    const match = /Schema:\s*map\[string\]\*schema\.Schema\{/.exec(region);
    if (!match) throw new Error(`${this.where}: no Schema map in ${context}`);
    const open = from + match.index + match[0].length - 1;
    return this.entries(open, closing(this.masked, open), context);
  }

  /** The entries `"name": {...}` or `"name": helper(),` of a schema map whose braces are at open/close. */
  entries(open, close, context) {
    const result = { attributes: {}, blocks: {} };
    const level = topLevel(this.masked, open + 1, close);
    const keyRe = /"(x*)"\s*:\s*/g;
    for (let m = keyRe.exec(level); m; m = keyRe.exec(level)) {
      const keyStart = open + 1 + m.index + 1;
      const name = this.text.slice(keyStart, keyStart + m[1].length);
      const valueAt = open + 1 + m.index + m[0].length;
      if (this.masked[valueAt] === '{' || this.masked.startsWith('&schema.Schema{', valueAt)) {
        const brace = this.masked.indexOf('{', valueAt);
        const end = closing(this.masked, brace);
        this.entry(result, name, brace, end, `${context}.${name}`);
      } else {
        const expr = /^[\w.]+\(\)/.exec(this.text.slice(valueAt, valueAt + 80))?.[0];
        const known = expr && KNOWN_HELPERS[expr];
        if (!known)
          throw new Error(`${this.where}: ${context}.${name} is "${expr ?? '?'}", which this script does not know`);
        result.attributes[name] = { ...known };
      }
    }
    if (Object.keys(result.attributes).length + Object.keys(result.blocks).length === 0) {
      throw new Error(`${this.where}: empty schema map in ${context}`);
    }
    return result;
  }

  /** One `{ Type: ..., Elem: ... }` entry: an attribute, or a block when its Elem is a *schema.Resource. */
  entry(result, name, open, close, context) {
    const level = topLevel(this.masked, open + 1, close);
    const type = /\bType:\s*schema\.Type(\w+)/.exec(level)?.[1];
    if (!type) throw new Error(`${this.where}: ${context} has no Type`);
    const flag = (key) => new RegExp(`\\b${key}:\\s*true\\b`).test(level);
    const described = { type: type.toLowerCase() };
    for (const key of ['Required', 'Optional', 'Computed', 'Sensitive']) {
      if (flag(key)) described[key.toLowerCase()] = true;
    }
    const maxItems = /\bMaxItems:\s*(\d+)/.exec(level)?.[1];
    const elemAt = /\bElem:\s*/.exec(level);
    if (!elemAt) {
      result.attributes[name] = described;
      return;
    }
    const at = open + 1 + elemAt.index + elemAt[0].length;
    const rest = this.masked.slice(at, at + 120);
    if (rest.startsWith('&schema.Schema{')) {
      const brace = at + '&schema.Schema'.length;
      const elemType = /\bType:\s*schema\.Type(\w+)/.exec(this.masked.slice(brace, closing(this.masked, brace)))?.[1];
      if (!elemType) throw new Error(`${this.where}: ${context} Elem has no Type`);
      result.attributes[name] = { ...described, elem: elemType.toLowerCase() };
      return;
    }
    let nested;
    if (rest.startsWith('&schema.Resource{')) {
      const brace = at + '&schema.Resource'.length;
      nested = this.schemaMap(brace, closing(this.masked, brace) + 1, context);
    } else {
      const call = /^(\w+)\(\)/.exec(rest)?.[1];
      const body = call && this.funcBody(call);
      if (body === undefined)
        throw new Error(`${this.where}: ${context} Elem "${rest.slice(0, 40)}" is not understood`);
      nested = this.schemaMap(body, closing(this.masked, body) + 1, `${context}(${call})`);
    }
    const { type: nesting, ...flags } = described;
    result.blocks[name] = { nesting, ...flags, ...(maxItems ? { max_items: Number(maxItems) } : {}), ...nested };
  }
}

function main() {
  const sources = parseArgs(process.argv.slice(2));
  const output = {
    provider: 'registry.terraform.io/opentelekomcloud/opentelekomcloud',
    generated_by: 'test/infra/otc/extract-provider-schema.mjs',
    repository: 'https://github.com/opentelekomcloud/terraform-provider-opentelekomcloud',
    /** Commits read, in the order the sources were given; each entry below names its own. */
    sources: [],
    resources: {},
    data_sources: {},
  };
  const wanted = [
    ...Object.entries(RESOURCES).map(([type, where]) => ['resource', type, where]),
    ...Object.entries(DATA_SOURCES).map(([type, where]) => ['data', type, where]),
  ];
  for (const [kind, type, where] of wanted) {
    const [file, func] = where.split('#');
    const path = `${SERVICES}/${file}`;
    let found;
    for (const source of sources) {
      const text = readSource(source, path);
      if (text === undefined) continue;
      const go = new GoFile(text, `${source.commit}:${path}`);
      const body = go.funcBody(func);
      if (body === undefined) continue;
      found = { commit: source.commit, path, ...go.schemaMap(body, closing(go.masked, body) + 1, type) };
      break;
    }
    if (!found) fail(`${type}: no source has ${path} with func ${func}`);
    if (!output.sources.includes(found.commit)) output.sources.push(found.commit);
    (kind === 'resource' ? output.resources : output.data_sources)[type] = found;
  }
  process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
}

try {
  main();
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
