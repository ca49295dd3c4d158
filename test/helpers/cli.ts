/** Runs the built `intermodal` CLI as a user would, capturing output and exit code. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { projectRoot } from '../../engine/project-root.js';

/** The built CLI, bundled as users run it. */
export const cliPath = path.join(projectRoot, 'dist', 'intermodal.mjs');

/** What a CLI run produced. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `intermodal --data-dir DIR ARGS...`, optionally feeding stdin. */
export function runCli(dataDir: string, args: string[], options: { input?: Buffer } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, '--data-dir', dataDir, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
    child.stdin.end(options.input);
  });
}
