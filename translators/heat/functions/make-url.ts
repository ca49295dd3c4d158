/**
 * `make_url`: builds a correctly escaped URL from its parts, escaping as Python's
 * `urllib.parse` does (which is what Heat users' templates were written against).
 */
import { isMap, shapeOf, show, type CallContext, type TemplateFunction } from './function.js';

const KEYS = ['scheme', 'username', 'password', 'host', 'port', 'path', 'query', 'fragment'];
const UNRESERVED = /[A-Za-z0-9_.\-~]/;
/** Schemes whose URLs carry `//netloc` even when the netloc is empty (Python's uses_netloc). */
const NETLOC_SCHEMES = new Set(['', 'ftp', 'http', 'gopher', 'nntp', 'telnet', 'imap', 'wais', 'file', 'mms', 'https', 'shttp',
  'snews', 'prospero', 'rtsp', 'rtspu', 'rsync', 'svn', 'svn+ssh', 'sftp', 'nfs', 'git', 'git+ssh', 'ws', 'wss']);

/** Percent-encodes UTF-8 bytes of `text` except unreserved characters and `safe`. */
export function quote(text: string, safe = '/', spaceAsPlus = false): string {
  let out = '';
  for (const ch of text) {
    if (UNRESERVED.test(ch) || safe.includes(ch)) out += ch;
    else if (ch === ' ' && spaceAsPlus) out += '+';
    else for (const byte of Buffer.from(ch, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function checkArgs(args: Record<string, unknown>, call: { fail(reason: string): never }, evaluated: boolean): void {
  for (const key of Object.keys(args)) {
    if (!KEYS.includes(key)) call.fail(`invalid argument to "make_url": ${key} (allowed: ${KEYS.join(', ')})`);
  }
  for (const key of KEYS) {
    if (!(key in args)) continue;
    const value = args[key];
    const fn = !evaluated && isMap(value) && Object.keys(value).length === 1;
    if (fn) continue;
    if (key === 'query') {
      if (!isMap(value)) call.fail('the "query" argument to "make_url" must be a map');
    } else if (key === 'port') {
      const port = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
      if (!Number.isInteger(port)) call.fail(`invalid URL port ${show(value)} for "make_url"`);
      if (port < 1 || port > 65535) call.fail(`invalid URL port ${port}: it must be in the range 1-65535`);
    } else if (typeof value !== 'string') {
      call.fail(`the "${key}" argument to "make_url" must be a string, not ${show(value)}`);
    }
  }
}

export const makeUrl: TemplateFunction = {
  check(args, call) {
    const shape = shapeOf(args);
    if (shape === 'call') return;
    if (shape !== 'map') call.fail('the arguments to "make_url" must be a map');
    if (args.kind === 'value') checkArgs(args.value as Record<string, unknown>, call, false);
    else if (args.kind === 'map') {
      for (const [key] of args.entries) if (!KEYS.includes(key)) call.fail(`invalid argument to "make_url": ${key} (allowed: ${KEYS.join(', ')})`);
    }
  },
  apply(args, call: CallContext) {
    if (!isMap(args)) call.fail('the arguments to "make_url" must be a map');
    const a = args as Record<string, unknown>;
    checkArgs(a, call, true);
    const scheme = (a.scheme as string | undefined) ?? '';
    if (scheme.includes(':')) call.fail('URL "scheme" must not contain ":"');
    let netloc = '';
    const username = quote((a.username as string | undefined) ?? '', '');
    const password = quote((a.password as string | undefined) ?? '', '');
    if (username !== '' || password !== '') netloc += username + (password !== '' ? `:${password}` : '') + '@';
    let host = (a.host as string | undefined) ?? '';
    if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
    host = quote(host, ':');
    netloc += host.includes(':') ? `[${host}]` : host;
    const port = a.port;
    if (port !== undefined && port !== null && port !== '') netloc += `:${String(port).trim()}`;
    let url = quote((a.path as string | undefined) ?? '');
    if (netloc !== '' || (scheme !== '' && NETLOC_SCHEMES.has(scheme) && !url.startsWith('//'))) {
      if (url !== '' && !url.startsWith('/')) url = `/${url}`;
      url = `//${netloc}${url}`;
    }
    if (scheme !== '') url = `${scheme}:${url}`;
    const query = Object.entries((a.query as Record<string, unknown> | undefined) ?? {})
      .map(([k, v]) => `${quote(k, '', true)}=${quote(String(v), '', true)}`).join('&').replaceAll('%2F', '/');
    if (query !== '') url += `?${query}`;
    const fragment = quote((a.fragment as string | undefined) ?? '');
    if (fragment !== '') url += `#${fragment}`;
    return url;
  },
};
