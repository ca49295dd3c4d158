/**
 * nft scripts run inside many network namespaces by one process (native/nft-netns.c),
 * instead of one `nsenter --net=NS nft -f -` (two execs) per namespace. Each script is one
 * transaction in its namespace; each gets its own outcome, so a namespace that went away
 * (its server stopped) fails alone.
 */
import path from 'node:path';
import { FailedPreconditionError } from '../errors.js';
import { runProgram } from './run-program.js';
import { projectRoot } from '../project-root.js';

/** The executable, built by `npm run build` (node-gyp, binding.gyp) next to the addon. */
export const nftNetnsBinary = path.join(projectRoot, 'build', 'Release', 'intermodal-nft-netns');

/** One script for one namespace: `netns` is a /run/netns path or /proc/PID/ns/net. */
export interface NamespaceScript {
  netns: string;
  script: string;
}

/** What became of one script: applied, or the reason it was not (nothing of it applied). */
export type NamespaceOutcome = { ok: true } | { ok: false; error: string };

/** Runs each script in its namespace, in order, in one process; resolves with one outcome per script. */
export function runNftInNamespaces(scripts: NamespaceScript[]): Promise<NamespaceOutcome[]> {
  if (scripts.length === 0) return Promise.resolve([]);
  for (const s of scripts) if (s.netns.includes('\n')) throw new FailedPreconditionError(`bad namespace path ${JSON.stringify(s.netns)}`);
  const input = Buffer.concat(scripts.flatMap((s) => {
    const body = Buffer.from(s.script, 'utf8');
    return [Buffer.from(`${s.netns}\n${body.length}\n`, 'utf8'), body];
  }));
  return runProgram([nftNetnsBinary], input).then(
    ({ code, signal, stdout, stderr }) => {
      const lines = stdout.toString('utf8').split('\n').filter((l) => l !== '');
      if (code !== 0 || lines.length !== scripts.length) {
        const message = stderr.toString('utf8').trim();
        throw new FailedPreconditionError(`intermodal-nft-netns: ${message || `exited with ${code ?? signal} after ${lines.length} of ${scripts.length} scripts`}`);
      }
      // nft repeats the whole offending line under each error: the first error says enough.
      return lines.map((l): NamespaceOutcome => (l === 'ok' ? { ok: true } : { ok: false, error: l.replace(/^error /, '').split('; ').slice(0, 2).join('; ') }));
    },
    (e: Error) => {
      throw new FailedPreconditionError(`cannot run ${nftNetnsBinary} (npm run build makes it): ${e.message}`, { cause: e });
    },
  );
}
