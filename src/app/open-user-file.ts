/**
 * Where a file the user hands the app goes — picked with Open…, dropped on the page, or launched
 * by the operating system ("Open with", launch-queue.ts): an .onnx file is a model of their own
 * (added in the Upscale tab's "Your models"), anything else is a clip or a picture to open. One
 * function so the three ways in cannot drift apart.
 */
import { useApp } from '../state/store';
import { addModelFile, isOnnxFile } from './byo/byo-client';
import { openFile } from './frame-source';

export async function openUserFile(file: File): Promise<void> {
  if (isOnnxFile(file)) {
    useApp.getState().setTab('upscale');
    await addModelFile(file);
  } else {
    await openFile(file);
  }
}
