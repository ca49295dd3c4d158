/** Where an image layout is written: a tarball stream or a directory on disk. */
import fs from 'node:fs';
import path from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { TarWriter } from '../../layers/tar-writer.js';

/** Receives the files of a layout, in order. */
export interface LayoutSink {
  /** Adds a regular file of `size` bytes; a file with that name already present is kept. */
  add(name: string, size: number, body: Buffer | AsyncIterable<Buffer>): Promise<void>;
  /** Completes the layout. */
  finish(): Promise<void>;
  /** Abandons the layout after an error. */
  abort(err: Error): Promise<void>;
}

/** A layout written as one tarball to `out`. */
export class TarSink implements LayoutSink {
  private readonly tar = new TarWriter();
  private readonly done: Promise<void>;

  constructor(out: Writable) {
    this.done = pipeline(this.tar.stream, out);
  }

  async add(name: string, size: number, body: Buffer | AsyncIterable<Buffer>): Promise<void> {
    // Layout readers find blobs by path; directory entries are not needed in the tarball.
    await this.tar.add({ name, type: 'file', size, mode: 0o644, mtime: 0 }, body);
  }

  async finish(): Promise<void> {
    await this.tar.finish();
    await this.done;
  }

  async abort(err: Error): Promise<void> {
    this.tar.stream.destroy(err);
    await this.done.catch(() => undefined);
  }
}

/** A layout written into a directory (what `umoci` and `skopeo oci:DIR` read). */
export class DirectorySink implements LayoutSink {
  constructor(private readonly root: string) {
    fs.mkdirSync(root, { recursive: true });
  }

  async add(name: string, _size: number, body: Buffer | AsyncIterable<Buffer>): Promise<void> {
    const file = path.join(this.root, name);
    const isBlob = name.startsWith('blobs/');
    if (isBlob && fs.existsSync(file)) return;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.tmp-${process.pid}`;
    await pipeline(Buffer.isBuffer(body) ? Readable.from([body]) : Readable.from(body), fs.createWriteStream(tmp, { mode: 0o644 }));
    fs.renameSync(tmp, file);
  }

  async finish(): Promise<void> {}

  async abort(): Promise<void> {}
}
