/**
 * Running the host's network tools (iproute2 `ip`, `nft`, util-linux `nsenter`) and turning
 * their failures into categorised errors that carry the tool's own message.
 */
import { FailedPreconditionError } from '../errors.js';
import { runProgram } from '../sys/run-program.js';

/** Runs `binary args...`, feeding `stdin`; resolves with stdout, rejects with its stderr. */
export async function runHostCommand(binary: string, args: string[], stdin?: string): Promise<string> {
  let result;
  try {
    result = await runProgram([binary, ...args], stdin);
  } catch (e) {
    throw new FailedPreconditionError(`cannot run ${binary}: ${(e as Error).message}`, { cause: e });
  }
  if (result.code === 0) return result.stdout.toString('utf8');
  const message = result.stderr.toString('utf8').trim().split('\n').slice(0, 5).join('; ');
  throw new FailedPreconditionError(`${binary} ${args.filter((a) => a !== '-batch' && a !== '-').slice(0, 3).join(' ')}: ${message || `exited with ${result.code ?? result.signal}`}`);
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
