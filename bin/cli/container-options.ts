/**
 * The `run`/`create` command line, as Docker users type it, turned into a ContainerSpec.
 * Every value is checked here, before anything is created.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { ContainerSpec, MountSpec, TmpfsSpec } from '../../engine/containers/container-spec.js';
import { parseCpus, parseMemory, parsePositiveInteger, parseRestartPolicy } from '../../engine/containers/units.js';
import { InvalidArgumentError } from '../../engine/errors.js';
import { networkOptionSpec, networkRequests } from '../../engine/network/container-join.js';
import { UsageError } from './command.js';

/** Options `run` and `create` share. */
export const containerOptionSpec = {
  name: { type: 'string' },
  env: { type: 'string', short: 'e', multiple: true },
  'env-file': { type: 'string', multiple: true },
  volume: { type: 'string', short: 'v', multiple: true },
  'volumes-from': { type: 'string', multiple: true },
  tmpfs: { type: 'string', multiple: true },
  workdir: { type: 'string', short: 'w' },
  user: { type: 'string', short: 'u' },
  memory: { type: 'string', short: 'm' },
  cpus: { type: 'string' },
  'cpu-shares': { type: 'string', short: 'c' },
  'pids-limit': { type: 'string' },
  'blkio-weight': { type: 'string' },
  rm: { type: 'boolean' },
  entrypoint: { type: 'string' },
  hostname: { type: 'string', short: 'h' },
  'read-only': { type: 'boolean' },
  restart: { type: 'string' },
  label: { type: 'string', short: 'l', multiple: true },
  privileged: { type: 'boolean' },
  'cap-add': { type: 'string', multiple: true },
  'cap-drop': { type: 'string', multiple: true },
  userns: { type: 'string' },
  runtime: { type: 'string' },
  'stop-signal': { type: 'string' },
  'stop-timeout': { type: 'string' },
  detach: { type: 'boolean', short: 'd' },
  interactive: { type: 'boolean', short: 'i' },
  tty: { type: 'boolean', short: 't' },
  format: { type: 'string' },
  ...networkOptionSpec,
} as const;

/** A parsed `run`/`create` command line. */
export interface ContainerCommandLine {
  spec: ContainerSpec;
  name?: string;
  detach: boolean;
  interactive: boolean;
  tty: boolean;
}

/** Parses `[OPTIONS] IMAGE [COMMAND [ARG...]]`; options stop at the image, as in Docker. */
export function parseContainerCommandLine(argv: string[]): ContainerCommandLine {
  const at = imageIndex(argv);
  if (at >= argv.length) throw new UsageError('an IMAGE is required');
  // Everything after the image belongs to the container's command, flags included.
  const { values } = parseArgs({ args: argv.slice(0, at).filter((a) => a !== '--'), options: containerOptionSpec, strict: true });
  const image = argv[at]!;
  const command = argv.slice(at + 1);

  const networks = networkRequests(values);
  if (values.rm && values.restart && values.restart !== 'no') throw new InvalidArgumentError('--rm and --restart cannot be combined');
  const spec: ContainerSpec = {
    image,
    ...(command.length > 0 && { cmd: command }),
    ...(values.entrypoint !== undefined && { entrypoint: values.entrypoint === '' ? [] : [values.entrypoint] }),
    env: [...(values['env-file'] ?? []).flatMap(readEnvFile), ...(values.env ?? []).map(resolveEnv)],
    ...(values.workdir !== undefined && { workdir: absolute(values.workdir, '--workdir') }),
    ...(values.user !== undefined && { user: values.user }),
    ...(values.hostname !== undefined && { hostname: values.hostname }),
    labels: Object.fromEntries((values.label ?? []).map((l) => splitPair(l, '--label'))),
    mounts: (values.volume ?? []).map(parseVolume),
    tmpfs: (values.tmpfs ?? []).map(parseTmpfs),
    volumesFrom: values['volumes-from'] ?? [],
    readOnly: values['read-only'] ?? false,
    privileged: values.privileged ?? false,
    capAdd: (values['cap-add'] ?? []).map(capability),
    capDrop: (values['cap-drop'] ?? []).map(capability),
    ...(values.memory !== undefined && { memoryBytes: parseMemory(values.memory) }),
    ...(values.cpus !== undefined && { cpus: parseCpus(values.cpus) }),
    ...(values['cpu-shares'] !== undefined && { cpuShares: parsePositiveInteger(values['cpu-shares'], '--cpu-shares') }),
    ...(values['pids-limit'] !== undefined && { pidsLimit: parsePositiveInteger(values['pids-limit'], '--pids-limit') }),
    ...(values['blkio-weight'] !== undefined && { blkioWeight: parsePositiveInteger(values['blkio-weight'], '--blkio-weight') }),
    restartPolicy: parseRestartPolicy(values.restart ?? 'no'),
    autoRemove: values.rm ?? false,
    userns: parseUserns(values.userns),
    ...(values['stop-signal'] !== undefined && { stopSignal: values['stop-signal'] }),
    ...(values['stop-timeout'] !== undefined && { stopTimeoutSeconds: parsePositiveInteger(values['stop-timeout'], '--stop-timeout') }),
    ...(values.tty && { tty: true }),
    ...(values.interactive && { openStdin: true }),
    runtime: parseRuntime(values.runtime),
    ...(networks && { networks }),
  };
  return {
    spec,
    ...(values.name !== undefined && { name: values.name }),
    detach: values.detach ?? false,
    interactive: values.interactive ?? false,
    tty: values.tty ?? false,
  };
}

/** Index of the IMAGE argument: the first word that is neither an option nor an option's value. */
export function imageIndex(argv: string[]): number {
  const spec = containerOptionSpec as Record<string, { type: string; short?: string }>;
  const byShort = new Map(Object.values(spec).filter((o) => o.short).map((o) => [o.short!, o]));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return i + 1;
    if (!arg.startsWith('-') || arg === '-') return i;
    if (arg.startsWith('--')) {
      if (spec[arg.slice(2)]?.type === 'string' && !arg.includes('=')) i++;
      continue;
    }
    // A short cluster such as -dit, or -e VALUE / -eVALUE.
    for (let j = 1; j < arg.length; j++) {
      if (byShort.get(arg[j]!)?.type === 'string') {
        if (j === arg.length - 1) i++;
        break;
      }
    }
  }
  return argv.length;
}

/** `-v HOST:CTR[:ro]`, `-v NAME:CTR[:ro]`, or `-v CTR` for an anonymous volume. */
export function parseVolume(text: string): MountSpec {
  const parts = text.split(':');
  if (parts.length > 3 || parts.some((p) => p === '')) throw new InvalidArgumentError(`invalid volume '${text}': use HOST:CONTAINER[:ro], NAME:CONTAINER[:ro] or CONTAINER`);
  const mode = parts.length === 3 ? parts[2]! : 'rw';
  if (mode !== 'ro' && mode !== 'rw') throw new InvalidArgumentError(`invalid volume mode '${mode}' in '${text}': use ro or rw`);
  if (parts.length === 1) return { type: 'volume', source: '', destination: absolute(parts[0]!, 'volume destination'), readOnly: false };
  const [source, destination] = parts as [string, string];
  if (source.startsWith('/') || source.startsWith('.')) {
    const resolved = path.resolve(source);
    if (!fs.existsSync(resolved)) throw new InvalidArgumentError(`bind mount source '${resolved}' does not exist`);
    return { type: 'bind', source: resolved, destination: absolute(destination, 'volume destination'), readOnly: mode === 'ro' };
  }
  return { type: 'volume', source, destination: absolute(destination, 'volume destination'), readOnly: mode === 'ro' };
}

function parseTmpfs(text: string): TmpfsSpec {
  const colon = text.indexOf(':');
  const destination = absolute(colon < 0 ? text : text.slice(0, colon), '--tmpfs');
  const options = colon < 0 ? [] : text.slice(colon + 1).split(',').filter(Boolean);
  return { destination, options };
}

function readEnvFile(file: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new InvalidArgumentError(`cannot read env file '${file}'`);
  }
  return text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#')).map(resolveEnv);
}

/** `K=V` as given; a bare `K` takes the caller's value, as docker run does. */
function resolveEnv(entry: string): string {
  if (entry.startsWith('=')) throw new InvalidArgumentError(`invalid environment variable '${entry}'`);
  if (entry.includes('=')) return entry;
  return `${entry}=${process.env[entry] ?? ''}`;
}

function splitPair(text: string, what: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq === 0) throw new InvalidArgumentError(`invalid ${what} '${text}'`);
  return eq < 0 ? [text, ''] : [text.slice(0, eq), text.slice(eq + 1)];
}

function absolute(p: string, what: string): string {
  if (!p.startsWith('/')) throw new InvalidArgumentError(`${what} '${p}' must be an absolute path`);
  return path.posix.normalize(p);
}

function capability(text: string): string {
  const name = text.toUpperCase().replace(/^CAP_/, '');
  if (name !== 'ALL' && !/^[A-Z_]+$/.test(name)) throw new InvalidArgumentError(`invalid capability '${text}'`);
  return name;
}

function parseUserns(text: string | undefined): boolean {
  if (text === undefined || text === '' || text === 'host') return false;
  if (text === 'private' || text === 'auto') return true;
  throw new InvalidArgumentError(`invalid --userns '${text}': use private or host`);
}

function parseRuntime(text: string | undefined): 'runc' | 'crun' {
  if (text === undefined || text === 'runc') return 'runc';
  if (text === 'crun') return 'crun';
  throw new InvalidArgumentError(`unknown runtime '${text}': use runc or crun`);
}
