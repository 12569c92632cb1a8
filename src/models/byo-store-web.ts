/**
 * The models a user brought, kept by the browser for the next visit: IndexedDB database
 * 'vqdsr-byo', one store of descriptors (what the pickers list, read without the weights) and one
 * of the file bytes (read when the model runs). The page (adding, removing, listing) and the engine
 * worker (running) open the same database: same origin, and IndexedDB works in both.
 *
 * Why IndexedDB and not OPFS: a descriptor and its bytes are written in one transaction, so a
 * model is never listed without its file (or the reverse) after a tab closes mid-write.
 * The page asks navigator.storage.persist() so the browser does not evict them under pressure.
 */
import type { VsrModel } from './kinds';
import { isByoId } from './byo-id';

const DB_NAME = 'vqdsr-byo';
const DB_VERSION = 1;
const META = 'models';
const BYTES = 'bytes';

/** No IndexedDB here (Node, some private modes): nothing is kept, the message says so. */
export class ByoStorageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ByoStorageError';
  }
}

export function byoStorageAvailable(): boolean {
  return typeof indexedDB !== 'undefined';
}

let dbPromise: Promise<IDBDatabase> | null = null;

function openDb(): Promise<IDBDatabase> {
  if (!byoStorageAvailable()) return Promise.reject(new ByoStorageError('this browser offers no IndexedDB here, so your models cannot be kept'));
  if (!dbPromise) {
    dbPromise = new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open(DB_NAME, DB_VERSION);
      req.onupgradeneeded = () => {
        const db = req.result;
        if (!db.objectStoreNames.contains(META)) db.createObjectStore(META, { keyPath: 'id' });
        if (!db.objectStoreNames.contains(BYTES)) db.createObjectStore(BYTES);
      };
      req.onsuccess = () => {
        const db = req.result;
        // Another tab upgrading the schema: let it, and reopen next time.
        db.onversionchange = () => {
          db.close();
          dbPromise = null;
        };
        resolve(db);
      };
      req.onerror = () => reject(new ByoStorageError(`cannot open the model storage: ${req.error?.message ?? 'unknown error'}`));
      req.onblocked = () => reject(new ByoStorageError('the model storage is held by another tab of an older version: close it and try again'));
    });
    dbPromise.catch(() => (dbPromise = null));
  }
  return dbPromise;
}

function done<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

function committed(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    tx.onabort = () => reject(tx.error ?? new ByoStorageError('storing the model was aborted (is the disk full?)'));
  });
}

/** Every kept model, oldest first (empty where nothing can be kept). */
export async function listByoModels(): Promise<VsrModel[]> {
  if (!byoStorageAvailable()) return [];
  const db = await openDb();
  const all = (await done(db.transaction(META, 'readonly').objectStore(META).getAll())) as VsrModel[];
  return all.filter((m) => m && typeof m.id === 'string' && isByoId(m.id) && m.byo).sort((a, b) => a.byo!.addedAt.localeCompare(b.byo!.addedAt));
}

export async function getByoModel(id: string): Promise<VsrModel | undefined> {
  if (!isByoId(id) || !byoStorageAvailable()) return undefined;
  const db = await openDb();
  return (await done(db.transaction(META, 'readonly').objectStore(META).get(id))) as VsrModel | undefined;
}

/** The model's descriptor and file bytes (length checked against the descriptor). */
export async function readByoModel(id: string): Promise<{ model: VsrModel; step: Uint8Array }> {
  const db = await openDb();
  const tx = db.transaction([META, BYTES], 'readonly');
  const [model, blob] = await Promise.all([done(tx.objectStore(META).get(id)) as Promise<VsrModel | undefined>, done(tx.objectStore(BYTES).get(id)) as Promise<Blob | undefined>]);
  if (!model || !blob) throw new ByoStorageError(`your model '${id}' is no longer kept by this browser: add its file again`);
  const step = new Uint8Array(await blob.arrayBuffer());
  if (step.byteLength !== model.step.bytes) throw new ByoStorageError(`your model ${model.byo?.fileName ?? id} is damaged in the browser's storage (${step.byteLength} of ${model.step.bytes} bytes): remove it and add it again`);
  return { model, step };
}

/** Keep (or replace) a model: descriptor and bytes in one transaction. */
export async function putByoModel(model: VsrModel, bytes: Uint8Array): Promise<void> {
  if (!isByoId(model.id)) throw new Error(`not a user model id: ${model.id}`);
  const db = await openDb();
  const tx = db.transaction([META, BYTES], 'readwrite');
  tx.objectStore(META).put(model);
  tx.objectStore(BYTES).put(new Blob([bytes as BlobPart], { type: 'application/octet-stream' }), model.id);
  await committed(tx);
}

export async function deleteByoModel(id: string): Promise<void> {
  const db = await openDb();
  const tx = db.transaction([META, BYTES], 'readwrite');
  tx.objectStore(META).delete(id);
  tx.objectStore(BYTES).delete(id);
  await committed(tx);
}
