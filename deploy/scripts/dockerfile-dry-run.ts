// Executes one of this repository's Dockerfiles without Docker, to check it on a machine that has
// no engine: each stage the target needs becomes a directory standing for its /app; COPY, RUN
// (with /app mapped to that directory), ENV and WORKDIR /app are carried out; apt-get is skipped
// (system packages come from the base image); `npm cache clean` is skipped (it would empty the
// machine's shared npm cache). What the base image provides is NOT checked: Node itself comes
// from this machine.
//
//   node --import tsx deploy/scripts/dockerfile-dry-run.ts services/gateway/Dockerfile [--build-arg K=V]... [--out DIR]
//
// Prints the directory that holds the image's /app, the final ENV and the CMD. Start the service
// from there to smoke-test the image's file layout (docs/deployment.md shows how).
import { execSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { copiesOf, createDockerignoreMatcher, expandArgs, parseDockerfile, type Dockerfile, type Stage } from './dockerfile.js';

const repoRoot = resolve(import.meta.dirname, '../..');

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { 'build-arg': { type: 'string', multiple: true, default: [] }, out: { type: 'string' } },
});
const dockerfilePath = positionals[0];
if (!dockerfilePath) {
  console.error('usage: node --import tsx deploy/scripts/dockerfile-dry-run.ts <Dockerfile> [--build-arg K=V]... [--out DIR]');
  process.exit(2);
}

const dockerfile: Dockerfile = parseDockerfile(readFileSync(resolve(repoRoot, dockerfilePath), 'utf8'));
for (const pair of values['build-arg']) {
  const [name, value = ''] = pair.split('=');
  dockerfile.globalArgs.set(name!, value);
}
const ignored = createDockerignoreMatcher(readFileSync(join(repoRoot, '.dockerignore'), 'utf8'));
const out = values.out ?? mkdtempSync(join(tmpdir(), `dry-run-${basename(dirname(dockerfilePath))}-`));
const stageByName = new Map(dockerfile.stages.filter((stage) => stage.name).map((stage) => [stage.name!, stage]));

/** The stages the last one needs: its FROM chain and every COPY --from, transitively. */
function neededStages(): Set<Stage> {
  const needed = new Set<Stage>();
  const visit = (stage: Stage) => {
    if (needed.has(stage)) return;
    needed.add(stage);
    const base = stageByName.get(expandArgs(stage.from, dockerfile));
    if (base) visit(base);
    for (const copy of copiesOf(stage)) {
      const source = copy.from && stageByName.get(copy.from);
      if (source) visit(source);
    }
  };
  visit(dockerfile.stages.at(-1)!);
  return needed;
}

/** Copies a context path into `destination`, leaving out what .dockerignore excludes. */
function copyFromContext(source: string, destination: string): void {
  const absolute = join(repoRoot, source);
  if (statSync(absolute).isDirectory()) {
    cpSync(absolute, destination, { recursive: true, filter: (path) => !ignored(relative(repoRoot, path)) });
  } else {
    mkdirSync(dirname(destination), { recursive: true });
    cpSync(absolute, destination);
  }
}

function run(stage: Stage, root: string): { env: Record<string, string>; cmd: string | undefined } {
  const mapApp = (text: string) => text.replace(/(^|[\s:="])\/app\b/g, `$1${root}`);
  const env: Record<string, string> = {};
  let cmd: string | undefined;
  for (const { keyword, args } of stage.instructions) {
    if (keyword === 'WORKDIR') {
      if (args !== '/app') throw new Error(`WORKDIR ${args}: only /app is supported`);
      mkdirSync(root, { recursive: true });
    } else if (keyword === 'ENV') {
      // Kept with /app in it (mapped where used), so a later stage's directory can stand for it.
      for (const match of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=(\S*)/g)) {
        env[match[1]!] = match[2]!.replace(/\$([A-Za-z_][A-Za-z0-9_]*)/g, (_all, name: string) => env[name] ?? process.env[name] ?? '');
      }
    } else if (keyword === 'COPY') {
      const copy = copiesOf({ ...stage, instructions: [{ keyword, args }] })[0]!;
      const destination = copy.destination.startsWith('/') ? mapApp(copy.destination) : join(root, copy.destination);
      for (const source of copy.sources) {
        let from: string;
        if (copy.from === undefined) from = join(repoRoot, source);
        else {
          const sourceStage = stageByName.get(copy.from);
          if (!sourceStage || !source.startsWith('/app')) throw new Error(`COPY --from=${copy.from} ${source}: not produced by a stage this dry run executes`);
          from = join(stageDir(sourceStage), source.slice('/app'.length));
        }
        // A directory's contents go to the destination; a file goes into it when it names a folder.
        const intoFolder = !statSync(from).isDirectory() && (copy.destination.endsWith('/') || copy.sources.length > 1);
        const target = intoFolder ? join(destination, basename(source)) : destination;
        if (copy.from === undefined) copyFromContext(source, target);
        else cpSync(from, target, { recursive: true, verbatimSymlinks: true });
      }
    } else if (keyword === 'RUN') {
      if (/^apt-get\b/.test(args)) {
        console.log(`  skip: RUN ${args.slice(0, 60)}… (system packages come from the base image)`);
        continue;
      }
      const command = mapApp(args.replace(/\s*&&\s*npm cache clean --force/, ''));
      console.log(`  RUN ${command}`);
      execSync(command, { cwd: root, stdio: 'inherit', env: { ...process.env, ...mapEnv(env, root) } });
    } else if (keyword === 'CMD') {
      cmd = args;
    }
  }
  return { env, cmd };
}

/** ENV values with /app replaced by the directory standing for it. */
function mapEnv(env: Record<string, string>, root: string): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([name, value]) => [name, value.replace(/(^|:)\/app\b/g, `$1${root}`)]));
}

const dirs = new Map<Stage, string>();
function stageDir(stage: Stage): string {
  return dirs.get(stage) ?? join(out, stage.name ?? `stage-${dockerfile.stages.indexOf(stage)}`);
}

const needed = neededStages();
/** Per executed stage: its ENV (inherited ones included) and CMD. */
const outcomes = new Map<Stage, { env: Record<string, string>; cmd: string | undefined }>();
for (const stage of dockerfile.stages) {
  if (!needed.has(stage)) continue;
  const image = expandArgs(stage.from, dockerfile);
  const base = stageByName.get(image);
  const root = stageDir(stage);
  console.log(`stage ${stage.name ?? '(unnamed)'} FROM ${image} → ${root}`);
  if (!base && !/^node:/.test(image)) {
    console.log(`  skip: external image ${image}`);
    continue;
  }
  if (base) cpSync(stageDir(base), root, { recursive: true, verbatimSymlinks: true });
  else mkdirSync(root, { recursive: true });
  const inherited = (base && outcomes.get(base)) || { env: {}, cmd: undefined };
  const ran = run(stage, root);
  outcomes.set(stage, { env: { ...inherited.env, ...ran.env }, cmd: ran.cmd ?? inherited.cmd });
  dirs.set(stage, root);
}

const last = dockerfile.stages.at(-1)!;
const final = outcomes.get(last);
console.log(`\n/app of the image: ${stageDir(last)}`);
console.log(`ENV: ${JSON.stringify(mapEnv(final?.env ?? {}, stageDir(last)))}`);
console.log(`CMD: ${final?.cmd ?? '(none)'}`);
if (!final || !existsSync(stageDir(last)) || readdirSync(stageDir(last)).length === 0) process.exit(1);
