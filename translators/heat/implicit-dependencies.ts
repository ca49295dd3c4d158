/**
 * Heat's implicit dependencies: what a resource waits for although the template does not
 * say so. A type declares `waitsForPeers: { peer, via }`: a resource of it depends on every
 * resource of type `peer` that references the same resource of type `via` as it does. So
 * a server or port on a stack's network waits for that network's subnets (it needs an
 * address from one) and is deleted before them. An implicit edge that would close a loop is
 * left out: what the template says wins.
 */
import type { ResourceDefinition } from './resource-definitions.js';
import type { ResourceTypeRegistry } from './resource-registry.js';

const typeOf = (def: ResourceDefinition): string | undefined => (def.mapping.kind === 'type' ? def.mapping.type : undefined);

/** Each enabled resource's dependencies, written and implicit. */
export function withImplicitDependencies(
  enabled: ReadonlyMap<string, ResourceDefinition>,
  registry: ResourceTypeRegistry<never> | ResourceTypeRegistry | undefined,
): Map<string, string[]> {
  const deps = new Map([...enabled].map(([name, def]) => [name, [...def.dependencies]]));
  if (registry === undefined) return deps;
  const reaches = (from: string, to: string, seen = new Set<string>()): boolean => {
    if (from === to) return true;
    if (seen.has(from)) return false;
    seen.add(from);
    return (deps.get(from) ?? []).some((next) => reaches(next, to, seen));
  };
  for (const [name, def] of enabled) {
    const rule = (() => { const t = typeOf(def); return t === undefined ? undefined : registry.get(t)?.waitsForPeers; })();
    if (rule === undefined) continue;
    const vias = new Set(def.references.map((r) => r.resource).filter((r) => { const d = enabled.get(r); return d !== undefined && typeOf(d) === rule.via; }));
    if (vias.size === 0) continue;
    for (const [peer, peerDef] of enabled) {
      if (peer === name || typeOf(peerDef) !== rule.peer) continue;
      if (!peerDef.references.some((r) => vias.has(r.resource))) continue;
      const list = deps.get(name)!;
      if (!list.includes(peer) && !reaches(peer, name)) list.push(peer);
    }
  }
  return deps;
}
