/** Tells a stored blob's compression from its first bytes (gzip 1f8b, zstd 28b52ffd). */
import fs from 'node:fs';
import type { LayerCompression } from '../media-types.js';

/** The compression of the file at `file`. */
export function sniffCompression(file: string): LayerCompression {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(4);
    const n = fs.readSync(fd, head, 0, 4, 0);
    if (n >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
    if (n >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
    return 'none';
  } finally {
    fs.closeSync(fd);
  }
}
