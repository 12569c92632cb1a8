/**
 * Ids of the models a user brought: a prefix no manifest id of ours has, and a stable id from the
 * file's name and content. Pure and at the models layer, so the BYO store and the engine tell a
 * user's model from ours without importing the inspection code in pipeline/byo.
 */

/** Ids of models the user brought start with this (never a manifest id of ours). */
export const BYO_ID_PREFIX = 'byo-';

export function isByoId(id: string): boolean {
  return id.startsWith(BYO_ID_PREFIX);
}

/**
 * A stable id from the file's name and content: the same file added twice is the same model, two
 * files of one name are two models. Fits the share link's model-id pattern (≤ 64 of [A-Za-z0-9._-]).
 */
export function byoId(fileName: string, sha256: string): string {
  const stem = fileName.replace(/\.onnx$/i, '').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '').slice(0, 40) || 'model';
  return `${BYO_ID_PREFIX}${stem}-${sha256.slice(0, 8)}`;
}
