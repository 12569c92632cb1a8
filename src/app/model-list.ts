/**
 * Reads the engine's model list into state/models-store.ts once the engine is up (App calls it
 * after every engine start: a restarted engine may have been pointed at another model set).
 */
import type { EngineHandle } from '../engine/engine-client';
import { useModels } from '../state/models-store';

export async function loadModelList(engine: EngineHandle): Promise<void> {
  try {
    const { vqgan, vsr } = await engine.api.models();
    useModels.setState({ vqgan, vsr, error: null });
  } catch (e) {
    useModels.setState({ error: `Could not read the model list: ${e instanceof Error ? e.message : String(e)}` });
  }
}
