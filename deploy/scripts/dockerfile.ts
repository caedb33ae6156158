/** Just enough of a Dockerfile parser for the forms this repository's Dockerfile uses (tests/deploy). */

interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  name: string | undefined;
  from: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARGs declared before the first FROM, with their defaults. */
  globalArgs: Map<string, string>;
  stages: Stage[];
}

export function parseDockerfile(text: string): Dockerfile {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && pending === '')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push(pending + line);
    pending = '';
  }
  const globalArgs = new Map<string, string>();
  const stages: Stage[] = [];
  for (const line of logical) {
    const match = /^(\S+)\s*(.*)$/.exec(line);
    if (!match) continue;
    const keyword = match[1]!.toUpperCase();
    const args = match[2]!;
    if (keyword === 'FROM') {
      const [from, as, name] = args.split(/\s+/);
      stages.push({ from: from!, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else if (stages.length === 0) {
      if (keyword === 'ARG') {
        const [name, value = ''] = args.split('=');
        globalArgs.set(name!, value);
      }
    } else {
      stages.at(-1)!.instructions.push({ keyword, args });
    }
  }
  return { globalArgs, stages };
}

/** `${NAME}` replaced by the global ARG default. */
export function expandArgs(value: string, dockerfile: Dockerfile): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_match, name: string) => dockerfile.globalArgs.get(name) ?? '');
}

/** The stage a target (`docker build --target <name>`) ends in, with the stages it inherits from, target first. */
export function stageChain(dockerfile: Dockerfile, target: string): Stage[] {
  const chain: Stage[] = [];
  let stage = dockerfile.stages.find((candidate) => candidate.name === target);
  while (stage) {
    chain.push(stage);
    const base = expandArgs(stage.from, dockerfile);
    stage = dockerfile.stages.find((candidate) => candidate.name === base);
  }
  return chain;
}

export interface CopyInstruction {
  from: string | undefined;
  sources: string[];
  destination: string;
}

export function copiesOf(stage: Stage): CopyInstruction[] {
  return stage.instructions
    .filter((instruction) => instruction.keyword === 'COPY')
    .map((instruction) => {
      const words = instruction.args.split(/\s+/);
      const flags = words.filter((word) => word.startsWith('--'));
      const paths = words.filter((word) => !word.startsWith('--'));
      const from = flags.find((flag) => flag.startsWith('--from='))?.slice('--from='.length);
      return { from, sources: paths.slice(0, -1), destination: paths.at(-1)! };
    });
}

export function runsOf(stage: Stage): string[] {
  return stage.instructions.filter((instruction) => instruction.keyword === 'RUN').map((instruction) => instruction.args);
}

/** The `-w <workspace>` arguments of an npm command line. */
export function workspacesOf(command: string): string[] {
  return [...command.matchAll(/(?:^|\s)-w\s+(\S+)/g)].map((match) => match[1]!);
}

/** .dockerignore semantics: the last matching pattern wins; `!` re-includes; a match on a parent excludes its contents. */
export function createDockerignoreMatcher(text: string): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const negated = line.startsWith('!');
      const pattern = (negated ? line.slice(1) : line).replace(/^\/+|\/+$/g, '');
      let source = '';
      for (let index = 0; index < pattern.length; index++) {
        const char = pattern[index]!;
        if (char === '*' && pattern[index + 1] === '*') {
          source += pattern[index + 2] === '/' ? '(?:.*/)?' : '.*';
          index += pattern[index + 2] === '/' ? 2 : 1;
        } else if (char === '*') source += '[^/]*';
        else if (char === '?') source += '[^/]';
        else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
      }
      return { negated, regex: new RegExp(`^${source}(?:/.*)?$`) };
    });
  return (path) => {
    let excluded = false;
    for (const rule of rules) if (rule.regex.test(path)) excluded = !rule.negated;
    return excluded;
  };
}
