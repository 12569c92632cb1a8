/**
 * "Open with": files the operating system hands to the installed app (the manifest's
 * file_handlers; Chromium's File Handling API) arrive on `window.launchQueue`. The first file opens
 * exactly as if the user had picked or dropped it (open-user-file.ts: a clip or picture through
 * frame-source.ts's openFile — same checks, same errors, the open source kept if the file is bad —
 * and an .onnx file as a model of their own); the app shows one source at a time, so any
 * further files are named in a notice rather than silently dropped.
 */
import { useApp } from '../../state/store';
import { openUserFile } from '../open-user-file';

// The File Handling API's types (not in the DOM lib yet).
export interface LaunchParams {
  readonly files: readonly FileSystemHandle[];
  readonly targetURL?: string;
}
interface LaunchQueue {
  setConsumer(consumer: (params: LaunchParams) => unknown): void;
}

function isFileHandle(h: FileSystemHandle): h is FileSystemFileHandle {
  return h.kind === 'file';
}

/** Opens the first launched file; the promise settles when it is open (or has failed visibly). */
export async function openLaunchedFiles(params: LaunchParams): Promise<void> {
  const handles = (params.files ?? []).filter(isFileHandle);
  const [first, ...rest] = handles;
  if (!first) return;
  if (rest.length) {
    useApp.getState().notify(`Opened ${first.name}; the app shows one file at a time, so ${rest.map((h) => h.name).join(', ')} ${rest.length === 1 ? 'was' : 'were'} not opened.`);
  }
  let file: File;
  try {
    file = await first.getFile();
  } catch (e) {
    useApp.getState().setError(`Could not read ${first.name}: ${e instanceof Error ? e.message : String(e)}`);
    return;
  }
  await openUserFile(file);
}

/** Takes the files of this and later launches (false where the browser has no File Handling API). */
export function startLaunchQueue(): boolean {
  const queue = (window as Window & { launchQueue?: LaunchQueue }).launchQueue;
  if (!queue) return false;
  queue.setConsumer((params) => openLaunchedFiles(params));
  return true;
}
