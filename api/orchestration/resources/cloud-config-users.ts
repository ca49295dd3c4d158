/**
 * The cloud-config keys about who the machine is and who may log in, as shell lines for the
 * boot script (boot-user-data.ts): `hostname`/`fqdn`, `groups` and `users`, doing what
 * cloud-init's set_hostname, users_groups and ssh modules do. The lines use useradd and
 * groupadd (Debian's passwd package) and fall back to busybox's adduser/addgroup. A value
 * that cannot be a user, group or host name is an error naming it, so the boot fails with
 * a reason instead of running a command built from it.
 */

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

const namePattern = /^[a-z_][a-z0-9_.-]{0,31}$/i;
const hostnamePattern = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;
const fqdnPattern = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

function checkName(what: string, value: unknown): string {
  const name = String(value ?? '').trim();
  if (!namePattern.test(name)) throw new Error(`cloud-config ${what} ${JSON.stringify(value)} is not a valid name`);
  return name;
}

/** A list given as YAML list or as a comma-separated string. */
function listOf(value: unknown): string[] {
  if (value === undefined || value === null || value === false) return [];
  const items = Array.isArray(value) ? value.map(String) : String(value).split(',');
  return items.map((s) => s.trim()).filter(Boolean);
}

/** Creates group `name` unless it exists. */
const ensureGroup = (name: string): string => `getent group ${quote(name)} >/dev/null 2>&1 || grep -q ${quote(`^${name}:`)} /etc/group || groupadd ${quote(name)} 2>/dev/null || addgroup ${quote(name)}`;

/** `hostname` (or the first label of `fqdn`): /etc/hostname and a 127.0.1.1 line in /etc/hosts, as cloud-init writes them. */
export function hostnameLines(doc: Record<string, unknown>): string[] {
  const fqdn = doc.fqdn === undefined ? undefined : String(doc.fqdn);
  if (fqdn !== undefined && !fqdnPattern.test(fqdn)) throw new Error(`cloud-config fqdn ${JSON.stringify(doc.fqdn)} is not a valid domain name`);
  const wanted = doc.hostname !== undefined ? String(doc.hostname) : fqdn?.split('.')[0];
  if (wanted === undefined) return [];
  const short = wanted.split('.')[0]!;
  if (!fqdnPattern.test(wanted) || !hostnamePattern.test(short)) throw new Error(`cloud-config hostname ${JSON.stringify(doc.hostname)} is not a valid hostname`);
  const names = fqdn !== undefined && fqdn !== short ? `${fqdn} ${short}` : short;
  return [
    `echo ${quote(short)} > /etc/hostname`,
    // Already the instance's hostname (the runtime set it); for an image that reads it later.
    `hostname ${quote(short)} 2>/dev/null || true`,
    `grep -qw ${quote(names.split(' ')[0]!)} /etc/hosts 2>/dev/null || echo ${quote(`127.0.1.1 ${names}`)} >> /etc/hosts`,
  ];
}

/** Top-level `groups`: names, or mappings of a name to its members. */
export function groupLines(groups: unknown): string[] {
  if (groups === undefined || groups === null) return [];
  const entries = Array.isArray(groups) ? groups : [groups];
  const lines: string[] = [];
  for (const entry of entries) {
    if (entry !== null && typeof entry === 'object') {
      for (const [group, members] of Object.entries(entry as Record<string, unknown>)) {
        const name = checkName('group', group);
        lines.push(ensureGroup(name));
        for (const member of listOf(members)) lines.push(`usermod -a -G ${quote(name)} ${quote(checkName('group member', member))} 2>/dev/null || addgroup ${quote(member)} ${quote(name)} 2>/dev/null || true`);
      }
    } else {
      for (const name of listOf(entry)) lines.push(ensureGroup(checkName('group', name)));
    }
  }
  return lines;
}

/** `users`: each entry a name, `default` (no user here: root holds the keypair) or a mapping. */
export function userLines(users: unknown): string[] {
  if (users === undefined || users === null) return [];
  if (!Array.isArray(users)) throw new Error('cloud-config users must be a list');
  const lines: string[] = [];
  for (const entry of users) {
    if (typeof entry === 'string') {
      for (const name of listOf(entry)) if (name !== 'default') lines.push(...oneUser({ name }));
    } else if (entry !== null && typeof entry === 'object') {
      lines.push(...oneUser(entry as Record<string, unknown>));
    } else {
      throw new Error(`cloud-config users entry ${JSON.stringify(entry)} must be a name or a mapping`);
    }
  }
  return lines;
}

function oneUser(user: Record<string, unknown>): string[] {
  const name = checkName('user name', user.name);
  const q = quote(name);
  const groups = listOf(user.groups).map((g) => checkName('group', g));
  const primary = user.primary_group === undefined ? undefined : checkName('primary_group', user.primary_group);
  const system = user.system === true;
  if (user.uid !== undefined && !/^\d+$/.test(String(user.uid))) throw new Error(`cloud-config uid ${JSON.stringify(user.uid)} of user ${name} must be a number`);
  const text = (key: string): string | undefined => {
    if (user[key] === undefined || user[key] === null) return undefined;
    const value = String(user[key]);
    if (/[\n\0]/.test(value)) throw new Error(`cloud-config ${key} of user ${name} must be one line`);
    return value;
  };
  const shell = text('shell');
  const home = text('homedir');
  const gecos = text('gecos');
  const options = [
    ...(system && home === undefined ? ['-r', '-M'] : ['-m']), ...(system && home !== undefined ? ['-r'] : []),
    ...(home !== undefined ? ['-d', quote(home)] : []), ...(shell !== undefined ? ['-s', quote(shell)] : []),
    ...(gecos !== undefined ? ['-c', quote(gecos)] : []), ...(user.uid !== undefined ? ['-u', String(user.uid)] : []),
    ...(primary !== undefined ? ['-g', quote(primary)] : []), ...(groups.length > 0 ? ['-G', quote(groups.join(','))] : []),
  ];
  const busybox = ['-D', ...(shell !== undefined ? ['-s', quote(shell)] : []), ...(home !== undefined ? ['-h', quote(home)] : [])];
  const lines = [...[...(primary !== undefined ? [primary] : []), ...groups].map(ensureGroup)];
  lines.push(`if ! id -u ${q} >/dev/null 2>&1; then`);
  lines.push(`  if command -v useradd >/dev/null 2>&1; then useradd ${options.join(' ')} ${q}; else adduser ${busybox.join(' ')} ${q}${groups.map((g) => `; addgroup ${q} ${quote(g)}`).join('')}; fi`);
  if (groups.length > 0) lines.push(`else usermod -a -G ${quote(groups.join(','))} ${q} 2>/dev/null || true`);
  lines.push('fi');
  const keys = listOf(Array.isArray(user.ssh_authorized_keys) ? user.ssh_authorized_keys.map(String) : user.ssh_authorized_keys === undefined ? [] : [String(user.ssh_authorized_keys)]);
  if (keys.some((k) => /[\n\0]/.test(k))) throw new Error(`cloud-config ssh_authorized_keys of user ${name} must be one key a line`);
  if (keys.length > 0) {
    // Only into the home of a user that exists (a failed useradd must not put keys in /.ssh).
    lines.push(`h=$(awk -F: -v u=${q} '$1 == u { print $6 }' /etc/passwd)`);
    lines.push('if [ -n "$h" ]; then');
    // Each line once: the boot script runs again at every start of the instance.
    lines.push(`  mkdir -p "$h/.ssh" && touch "$h/.ssh/authorized_keys"`);
    for (const key of keys) lines.push(`  grep -qxF ${quote(key)} "$h/.ssh/authorized_keys" || echo ${quote(key)} >> "$h/.ssh/authorized_keys"`);
    lines.push(`  chmod 700 "$h/.ssh" && chmod 600 "$h/.ssh/authorized_keys" && chown -R "$(id -u ${q}):$(id -g ${q})" "$h/.ssh"`);
    lines.push('fi');
  }
  const sudo = user.sudo === true ? ['ALL=(ALL) NOPASSWD:ALL'] : user.sudo === false || user.sudo === null || user.sudo === undefined ? [] : Array.isArray(user.sudo) ? user.sudo.map(String) : [String(user.sudo)];
  if (sudo.some((rule) => /[\n\0]/.test(rule))) throw new Error(`cloud-config sudo rule of user ${name} must be one line`);
  if (sudo.length > 0) {
    lines.push('mkdir -p /etc/sudoers.d');
    for (const rule of sudo.map((r) => quote(`${name} ${r}`))) lines.push(`grep -qxF ${rule} /etc/sudoers.d/90-cloud-init-users 2>/dev/null || echo ${rule} >> /etc/sudoers.d/90-cloud-init-users`);
    lines.push('chmod 0440 /etc/sudoers.d/90-cloud-init-users');
  }
  return lines;
}
