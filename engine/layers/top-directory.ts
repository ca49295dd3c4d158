/**
 * Placement of unpacked layers on disk. Every layer directory is the top of a tree of its
 * own, so the directory that holds them carries ext4's "top directory" flag (chattr +T):
 * the Orlov allocator then puts each new layer in block groups chosen afresh rather than
 * next to its siblings. That matters on ext4 without a journal, which skips inodes freed in
 * the last minute or so and rescans them on every create: a layer unpacked where another
 * tree was just deleted paid ~0.7 ms per file, 6 s for an 8000-file image (bench/RESULTS.md).
 */
import { sys } from '../sys/index.js';

/**
 * Marks `dir` as the top of directory hierarchies where the filesystem knows the flag;
 * a hint only, so any failure (another filesystem, no permission) leaves things as they are.
 */
export function markTopDirectory(dir: string): boolean {
  try {
    return sys.setTopDirectory(dir);
  } catch {
    return false;
  }
}
