/**
 * Making a server's user data something it runs at boot. Servers here run a `#!` script
 * before their command (drivers/local/boot-script.ts) but have no cloud-init, so a
 * `#cloud-config` document or a multipart MIME message (OS::Heat::CloudConfig,
 * OS::Heat::MultipartMime) is turned into one shell script doing what cloud-init would for
 * the keys below, in cloud-init's order: bootcmd, write_files, hostname, groups, users,
 * runcmd. Shell-script parts run in part order. (ssh_authorized_keys go to root's
 * authorized_keys with the keypair, api/compute/instance-files.ts; `hostname` is also the
 * instance's hostname from the start, since a container cannot set its own.)
 *
 * LIMITATIONS: other cloud-config keys (packages, ...) are listed in a comment of the
 * script and otherwise ignored; write_files supports content, path, permissions, owner and
 * encoding b64/base64 only; users supports name, gecos, homedir, primary_group, groups,
 * shell, sudo, ssh_authorized_keys, system and uid (passwords stay locked; `default` adds
 * no user: root has the keypair); users are made with useradd (Debian's passwd) or
 * busybox's adduser, and an image with neither gets none.
 */
import { JSON_SCHEMA, load as yamlLoad } from 'js-yaml';
import { groupLines, hostnameLines, userLines } from './cloud-config-users.js';

const handledKeys = ['bootcmd', 'write_files', 'runcmd', 'hostname', 'fqdn', 'groups', 'users', 'ssh_authorized_keys'];

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

function command(c: unknown, key: string): string {
  if (Array.isArray(c)) return c.map((w) => quote(String(w))).join(' ');
  if (typeof c === 'string') return c;
  // Usually YAML read `- echo a: b` as a mapping: say so rather than run "[object Object]".
  throw new Error(`cloud-config ${key} entry ${JSON.stringify(c)} must be a string or a list of words (quote a command containing ": ")`);
}

/** Shell lines doing what the cloud-config document asks. */
function cloudConfigLines(text: string): string[] {
  const doc = (yamlLoad(text, { schema: JSON_SCHEMA }) ?? {}) as Record<string, unknown>;
  const lines: string[] = [];
  const ignored = Object.keys(doc).filter((k) => !handledKeys.includes(k));
  if (ignored.length > 0) lines.push(`# cloud-config keys not applied here: ${ignored.join(', ')}`);
  for (const c of (doc.bootcmd as unknown[] | undefined) ?? []) lines.push(command(c, 'bootcmd'));
  for (const [i, f] of ((doc.write_files as Array<Record<string, unknown>> | undefined) ?? []).entries()) {
    const path = String(f.path);
    const encoding = String(f.encoding ?? '');
    const content = ['b64', 'base64'].includes(encoding) ? Buffer.from(String(f.content ?? ''), 'base64') : Buffer.from(String(f.content ?? ''));
    lines.push(`mkdir -p "$(dirname ${quote(path)})"`);
    // Base64 through the shell keeps any byte and any line intact.
    const marker = `INTERMODAL_FILE_${i}`;
    lines.push(`base64 -d > ${quote(path)} <<'${marker}'`, ...(content.toString('base64').match(/.{1,76}/g) ?? []), marker);
    if (f.permissions !== undefined) lines.push(`chmod ${quote(String(f.permissions))} ${quote(path)}`);
    if (f.owner !== undefined) lines.push(`chown ${quote(String(f.owner))} ${quote(path)} 2>/dev/null || true`);
  }
  lines.push(...hostnameLines(doc), ...groupLines(doc.groups), ...userLines(doc.users));
  for (const c of (doc.runcmd as unknown[] | undefined) ?? []) lines.push(command(c, 'runcmd'));
  return lines;
}

/** The parts of a multipart MIME message: content type and body. */
function mimeParts(text: string): Array<{ type: string; body: string }> {
  const boundary = /boundary="?([^";\n]+)"?/i.exec(text)?.[1];
  if (boundary === undefined) return [];
  return text.split(`--${boundary}`).slice(1).filter((chunk) => !chunk.startsWith('--')).map((chunk) => {
    const at = chunk.indexOf('\n\n');
    const headers = chunk.slice(0, at);
    const body = chunk.slice(at + 2).replace(/\n$/, '');
    return { type: /content-type:\s*([^;\n]+)/i.exec(headers)?.[1]?.trim().toLowerCase() ?? 'text/plain', body };
  });
}

/** Shell lines for one config document of any supported kind. */
function linesFor(text: string): string[] {
  if (text.startsWith('#cloud-config')) return cloudConfigLines(text);
  if (/^content-type:\s*multipart\//i.test(text)) {
    return mimeParts(text).flatMap((part) => {
      if (part.type === 'text/cloud-config') return cloudConfigLines(part.body);
      if (part.type === 'text/x-shellscript') return scriptLines(part.body);
      if (part.type.startsWith('multipart/')) return linesFor(part.body);
      return [];
    });
  }
  if (text.startsWith('#!')) return scriptLines(text);
  return [];
}

let scriptCount = 0;

/** A script part runs as its own program, with its own interpreter. */
function scriptLines(text: string): string[] {
  const marker = `INTERMODAL_SCRIPT_${scriptCount++}`;
  return [`s=$(mktemp)`, `base64 -d > "$s" <<'${marker}'`, ...(Buffer.from(text).toString('base64').match(/.{1,76}/g) ?? []), marker, `chmod +x "$s"; "$s"; rm -f "$s"`];
}

/**
 * The user data a server boots with: a `#!` script unchanged, cloud-config and multipart
 * MIME as an equivalent shell script, anything else unchanged (kept, not run).
 */
export function bootableUserData(text: string): string {
  if (text.startsWith('#!')) return text;
  if (!text.startsWith('#cloud-config') && !/^content-type:\s*multipart\//i.test(text)) return text;
  return ['#!/bin/sh', '# Made by Intermodal from the server\'s cloud-config / MIME user data (no cloud-init here).', ...linesFor(text), ''].join('\n');
}
