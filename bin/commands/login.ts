/**
 * `intermodal login`: credentials per registry host, checked against the registry before
 * they are stored (in DATA_DIR/auth.json, mode 0600).
 */
import { parseArgs } from 'node:util';
import { CredentialStore, verifyLogin } from '../../engine/registry/index.js';
import { type Command, UsageError } from '../cli/command.js';

/** `http://host:5000/` → `host:5000`: people paste URLs. */
export function registryHost(text: string): string {
  return text.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
}

/** Asks on the terminal; the answer is not echoed when `secret`. */
function prompt(question: string, secret: boolean): Promise<string> {
  const stdin = process.stdin;
  // Echo goes off before the question shows, so that nothing typed after it is echoed.
  stdin.setRawMode?.(secret);
  process.stderr.write(question);
  return new Promise((resolve, reject) => {
    let answer = '';
    // A listener rather than an async iterator: ending an iterator would destroy stdin for the next question.
    const onData = (chunk: Buffer): void => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done(undefined, answer);
        if (ch === '\u0003') return done(new UsageError('login cancelled'));
        answer = ch === '\u007f' ? answer.slice(0, -1) : answer + ch;
      }
    };
    const done = (err: Error | undefined, value = ''): void => {
      stdin.off('data', onData);
      stdin.setRawMode?.(false);
      stdin.pause();
      if (secret) process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    stdin.on('data', onData);
    stdin.resume();
  });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

export const loginCommand: Command = {
  name: 'login',
  usage: 'login [-u USER] [-p PASSWORD | --password-stdin] HOST[:PORT]',
  summary: 'Log in to a registry (credentials are checked, then kept in the data dir)',
  async run(ctx, argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { username: { type: 'string', short: 'u' }, password: { type: 'string', short: 'p' }, 'password-stdin': { type: 'boolean' } },
    });
    if (positionals.length !== 1) throw new UsageError('login needs exactly one registry host');
    if (values.password !== undefined && values['password-stdin']) throw new UsageError('--password and --password-stdin are mutually exclusive');
    // On a terminal, what is missing is asked for; elsewhere it must be on the command line.
    const interactive = process.stdin.isTTY === true && !values['password-stdin'];
    const username = values.username ?? (interactive ? await prompt('Username: ', false) : undefined);
    if (username === undefined || username === '') throw new UsageError('login needs -u USER');
    const password = values['password-stdin'] ? await readStdin() : (values.password ?? (interactive ? await prompt('Password: ', true) : undefined));
    if (password === undefined || password === '') throw new UsageError('login needs -p PASSWORD or --password-stdin');
    if (values.password !== undefined) ctx.err.write('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
    const host = registryHost(positionals[0]!);
    const engine = ctx.engine();
    const credentials = { username, password };
    await verifyLogin(engine.config.registries, host, credentials);
    new CredentialStore(ctx.dataDir).set(host, credentials);
    ctx.out.write('Login Succeeded\n');
    return 0;
  },
};
