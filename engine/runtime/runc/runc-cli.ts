/**
 * Invoking runc (or crun, which takes the same command line) with our own state root,
 * and turning its failures into categorised errors that carry its own message. Both are
 * run with `--log-format json`, so their messages arrive as JSON lines on stderr whatever
 * else they print.
 */
import { spawn } from 'node:child_process';
import { AlreadyExistsError, FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../../errors.js';

/** A runc-compatible binary with the state root all our calls pass as `--root`. */
export interface RuncBinary {
  /** Absolute path of the executable. */
  path: string;
  /** State root (`--root`): containers under another root are invisible to us. */
  root: string;
}

/** The global options every invocation starts with. */
export function globalArgs(runc: RuncBinary): string[] {
  return ['--root', runc.root, '--log-format', 'json'];
}

/**
 * Runs `runc --root ROOT <args>`; resolves with stdout, rejects with the categorised error,
 * its message prefixed with the command and `id` (`start c1: cannot start ...`).
 */
export function runRunc(runc: RuncBinary, args: string[], options: { id?: string; stdin?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(runc.path, [...globalArgs(runc), ...args], { stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => reject(new Error(`cannot run ${runc.path}: ${e.message}`, { cause: e })));
    child.on('close', (code, signal) => {
      if (code === 0) return resolve(Buffer.concat(out).toString('utf8'));
      const stderr = Buffer.concat(err).toString('utf8');
      const what = [args[0], options.id].filter(Boolean).join(' ');
      reject(runtimeError(`${what}: ${runtimeMessage(stderr) || `exited with ${code ?? signal}`}`, stderr));
    });
    if (options.stdin !== undefined) child.stdin!.end(options.stdin);
  });
}

/**
 * The error messages in a runtime's stderr: the `msg` of JSON log lines at level error or
 * fatal, else logrus text lines (`level=error msg="..."`), else the text itself.
 */
export function runtimeMessage(stderr: string): string {
  const messages: string[] = [];
  for (const line of stderr.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    const json = parseJsonLine(trimmed);
    if (json) {
      if (json.level === 'error' || json.level === 'fatal') messages.push(json.msg);
      continue;
    }
    const logrus = /level=(?:error|fatal) msg="((?:[^"\\]|\\.)*)"/.exec(trimmed);
    messages.push(logrus ? logrus[1]!.replace(/\\(.)/g, '$1') : trimmed);
  }
  return stripPrefixes(messages.join('; '));
}

function parseJsonLine(line: string): { level: string; msg: string } | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value = JSON.parse(line) as { level?: unknown; msg?: unknown };
    return typeof value.msg === 'string' ? { level: String(value.level ?? ''), msg: value.msg } : undefined;
  } catch {
    return undefined;
  }
}

/** runc wraps the reason in layers of context; the last layer is the part a user can act on. */
function stripPrefixes(message: string): string {
  return message.replace(/^(runc (create|run|exec) failed|exec failed): /, '').replace(/^unable to start container process: /, '').trim();
}

/** Maps a runtime's message to the error category it belongs to. */
export function runtimeError(message: string, stderr = ''): Error {
  const options = { cause: stderr || undefined };
  if (/container does not exist|container .* does not exist|status`: No such file or directory|container not found/i.test(message)) return new NotFoundError(message, options);
  if (/already exists/i.test(message)) return new AlreadyExistsError(message, options);
  if (/executable file|exec: .*(no such file or directory|permission denied)|exec format error|executable path is empty/i.test(message)) {
    return new InvalidArgumentError(message, options);
  }
  if (/not (running|paused|stopped|created)|is (paused|running|stopped)|cannot (start|delete|pause|resume|kill|exec)|container .* is not|process already finished|container not running/i.test(message)) {
    return new FailedPreconditionError(message, options);
  }
  return new Error(message, options);
}
