/**
 * Source positions for a YAML document: a second pass over js-yaml's event stream that
 * records, for every path, where its node is written. For a mapping entry that is the
 * key (`image:` on line 12), which is what a user looks for; for a list item it is the
 * item itself. js-yaml's `load` gives the values; this gives the lines.
 */
import { EVENT_ID, getScalarValue, parseEvents, type Event } from 'js-yaml';
import type { Locator, SourcePosition } from './template-error.js';
import { pathKey, type Path, type PathPart } from './template-path.js';

interface Frame {
  readonly kind: 'map' | 'seq';
  /** Null for a collection used as a mapping key, whose contents have no path. */
  readonly path: Path | null;
  nextIndex: number;
  /** For mappings: the key just read, waiting for its value; null while expecting a key. */
  pendingKey: PathPart | null;
}

/** Line-start offsets, for turning an offset into a line and column. */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

function positionAt(starts: number[], offset: number): SourcePosition {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid; else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - starts[lo]! + 1 };
}

function eventOffset(event: Event): number {
  switch (event.type) {
    case EVENT_ID.SCALAR: return event.anchorStart >= 0 ? event.anchorStart : event.valueStart;
    case EVENT_ID.MAPPING:
    case EVENT_ID.SEQUENCE: return event.anchorStart >= 0 ? event.anchorStart : event.start;
    case EVENT_ID.ALIAS: return event.anchorStart;
    default: return -1;
  }
}

/**
 * Maps each path of the first document in `text` to its position. The text must already
 * have loaded without error (this pass does not report syntax errors).
 */
export function yamlLocator(text: string, file?: string): Locator {
  const positions = new Map<string, SourcePosition>();
  const starts = lineStarts(text);
  const stack: Frame[] = [];
  let documents = 0;
  const events = parseEvents(text, file === undefined ? {} : { filename: file });

  for (const event of events) {
    if (event.type === EVENT_ID.DOCUMENT) {
      documents++;
      if (documents > 1) break;
      continue;
    }
    if (event.type === EVENT_ID.POP) {
      stack.pop();
      continue;
    }
    const parent = stack[stack.length - 1];
    const offset = eventOffset(event);
    let path: Path | null = null;
    if (parent === undefined) {
      path = [];
    } else if (parent.kind === 'map' && parent.pendingKey === null) {
      // This node is a key: remember it; its position stands for the entry.
      const key: PathPart = event.type === EVENT_ID.SCALAR ? getScalarValue(text, event) : '?';
      parent.pendingKey = key;
      if (parent.path !== null && offset >= 0) {
        positions.set(pathKey([...parent.path, key]), positionAt(starts, offset));
      }
      if (event.type === EVENT_ID.MAPPING || event.type === EVENT_ID.SEQUENCE) {
        stack.push({ kind: event.type === EVENT_ID.MAPPING ? 'map' : 'seq', path: null, nextIndex: 0, pendingKey: null });
      }
      continue;
    } else if (parent.kind === 'map') {
      path = parent.path === null ? null : [...parent.path, parent.pendingKey!];
      parent.pendingKey = null;
    } else {
      path = parent.path === null ? null : [...parent.path, parent.nextIndex];
      parent.nextIndex++;
      if (path !== null && offset >= 0) positions.set(pathKey(path), positionAt(starts, offset));
    }
    if (path !== null && path.length === 0 && offset >= 0) positions.set(pathKey(path), positionAt(starts, offset));
    if (event.type === EVENT_ID.MAPPING || event.type === EVENT_ID.SEQUENCE) {
      stack.push({ kind: event.type === EVENT_ID.MAPPING ? 'map' : 'seq', path, nextIndex: 0, pendingKey: null });
    }
  }

  const locator: Locator = {
    positionOf: (path: Path) => positions.get(pathKey(path)),
  };
  return file === undefined ? locator : { file, positionOf: locator.positionOf };
}
