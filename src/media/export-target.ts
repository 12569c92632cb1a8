/**
 * Where an export's bytes go while it is written: a file in the Origin Private File System through
 * a FileSystemSyncAccessHandle (synchronous positioned writes — what ffmpeg's write() and seek()
 * inside a synchronous exec() need — and on disk, not in memory), or, where OPFS sync handles are
 * missing, 4 MiB pages in memory (MemoryTarget). Worker-only (sync handles exist only there).
 *
 * The finished file comes back as a File backed by OPFS: downloading it or piping it into a file
 * the user picked streams from disk. Each new export clears the previous one's staging file.
 */
import { MemoryTarget, type OutputTarget } from './export-core';

const STAGING_DIR = 'vqdsr-export';

interface SyncHandle {
  write(buffer: ArrayBufferView, opts?: { at?: number }): number;
  flush(): void;
  close(): void;
  truncate(size: number): void;
}

export interface FinishableTarget extends OutputTarget {
  readonly storage: 'opfs' | 'memory';
  /** Close and hand back the file. */
  finish(type: string): Promise<Blob>;
  /** Close and delete. */
  discard(): Promise<void>;
}

class OpfsTarget implements FinishableTarget {
  readonly storage = 'opfs' as const;
  size = 0;
  private closed = false;
  constructor(
    private readonly dir: FileSystemDirectoryHandle,
    private readonly name: string,
    private readonly file: FileSystemFileHandle,
    private readonly handle: SyncHandle,
  ) {}

  write(bytes: Uint8Array, position: number): void {
    let done = 0;
    while (done < bytes.length) done += this.handle.write(bytes.subarray(done), { at: position + done });
    this.size = Math.max(this.size, position + bytes.length);
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.handle.flush();
    this.handle.close();
  }

  async finish(): Promise<Blob> {
    this.close();
    return this.file.getFile();
  }

  async discard(): Promise<void> {
    this.close();
    await this.dir.removeEntry(this.name).catch(() => undefined);
  }
}

class MemoryFinishable extends MemoryTarget implements FinishableTarget {
  readonly storage = 'memory' as const;
  async finish(type: string): Promise<Blob> {
    return new Blob(this.parts(), { type });
  }
  async discard(): Promise<void> {}
}

/** An OPFS staging file named `name` (previous exports' files removed), else memory. */
export async function openTarget(name: string): Promise<FinishableTarget> {
  try {
    const storage = (globalThis.navigator as Navigator | undefined)?.storage;
    if (!storage?.getDirectory) throw new Error('no OPFS');
    const root = await storage.getDirectory();
    const dir = await root.getDirectoryHandle(STAGING_DIR, { create: true });
    for await (const key of (dir as unknown as { keys(): AsyncIterable<string> }).keys()) await dir.removeEntry(key).catch(() => undefined);
    const file = await dir.getFileHandle(name, { create: true });
    const create = (file as unknown as { createSyncAccessHandle?: () => Promise<SyncHandle> }).createSyncAccessHandle;
    if (!create) throw new Error('no sync access handles');
    const handle = await create.call(file);
    handle.truncate(0);
    return new OpfsTarget(dir, name, file, handle);
  } catch {
    return new MemoryFinishable();
  }
}
