// `npm run synth [-- -c key=value ...]`: `cdk synth --quiet` with the given arguments, then the path of each
// template it wrote, so a newcomer knows what to open (the quiet synth prints no template and no path itself).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Where `cdk synth` writes the cloud assembly: `-o`/`--output` if given, else cdk.json's `output`, else cdk.out. */
export function assemblyDirectory(args: readonly string[], cdkJson: { output?: unknown } = {}): string {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if ((arg === '-o' || arg === '--output') && i + 1 < args.length) return args[i + 1] as string;
    if (arg.startsWith('--output=')) return arg.slice('--output='.length);
  }
  return typeof cdkJson.output === 'string' && cdkJson.output !== '' ? cdkJson.output : 'cdk.out';
}

export interface WrittenTemplate {
  readonly stack: string;
  /** The template file, inside the assembly directory. */
  readonly file: string;
}

/** The CloudFormation templates of a cloud assembly, from its manifest.json. */
export function writtenTemplates(directory: string): WrittenTemplate[] {
  const manifest = JSON.parse(readFileSync(join(directory, 'manifest.json'), 'utf8')) as {
    artifacts?: Record<string, { type?: string; displayName?: string; properties?: { templateFile?: string } }>;
  };
  return Object.entries(manifest.artifacts ?? {})
    .filter(([, artifact]) => artifact.type === 'aws:cloudformation:stack')
    .map(([id, artifact]) => ({
      stack: artifact.displayName ?? id,
      file: join(directory, artifact.properties?.templateFile ?? `${id}.template.json`),
    }));
}

async function main(): Promise<void> {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const args = process.argv.slice(2);
  const cdk = join(root, 'node_modules', 'aws-cdk', 'bin', 'cdk');
  const code = await new Promise<number>((done) => {
    const child = spawn(process.execPath, [cdk, 'synth', '--quiet', ...args], { stdio: 'inherit' });
    child.on('close', (status) => done(status ?? 1));
    child.on('error', () => done(1));
  });
  if (code !== 0) process.exit(code);
  const cdkJsonPath = join(root, 'cdk.json');
  const cdkJson = existsSync(cdkJsonPath) ? JSON.parse(readFileSync(cdkJsonPath, 'utf8')) : {};
  const directory = resolve(assemblyDirectory(args, cdkJson));
  for (const { stack, file } of writtenTemplates(directory)) {
    process.stdout.write(`Stack ${stack}: template written to ${relative(process.cwd(), file) || file}\n`);
  }
  process.stdout.write(`Cloud assembly (templates, assets, manifest): ${relative(process.cwd(), directory) || '.'}\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await main();
}
