/**
 * Running the host's network tools (iproute2 `ip`, `nft`, util-linux `nsenter`) and turning
 * their failures into categorised errors that carry the tool's own message.
 */
import { spawn } from 'node:child_process';
import { FailedPreconditionError } from '../errors.js';

/** Runs `binary args...`, feeding `stdin`; resolves with stdout, rejects with its stderr. */
export function runHostCommand(binary: string, args: string[], stdin?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => reject(new FailedPreconditionError(`cannot run ${binary}: ${e.message}`, { cause: e })));
    child.on('close', (code, signal) => {
      if (code === 0) return resolve(Buffer.concat(out).toString('utf8'));
      const message = Buffer.concat(err).toString('utf8').trim().split('\n').slice(0, 5).join('; ');
      reject(new FailedPreconditionError(`${binary} ${args.filter((a) => a !== '-batch' && a !== '-').slice(0, 3).join(' ')}: ${message || `exited with ${code ?? signal}`}`));
    });
    if (stdin !== undefined) {
      // A tool that exits before reading its input (nsenter into a namespace that is gone)
      // closes the pipe: that EPIPE is reported through 'close' above, never thrown.
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(stdin);
    }
  });
}

/**
 * Runs iproute2 commands (one per line, without the leading `ip`) in one process, on the
 * host or inside the network namespace at `netns`. `-force` would go on past a failed
 * line; we stop at the first, so the caller knows which state it left.
 */
export function ipBatch(lines: string[], netns?: string): Promise<string> {
  const input = `${lines.join('\n')}\n`;
  if (netns === undefined) return runHostCommand('ip', ['-batch', '-'], input);
  // A named namespace is entered by ip itself (-n), saving an nsenter exec.
  const named = /^\/run\/netns\/([^/]+)$/.exec(netns);
  return named ? runHostCommand('ip', ['-n', named[1]!, '-batch', '-'], input) : runHostCommand('nsenter', [`--net=${netns}`, 'ip', '-batch', '-'], input);
}
