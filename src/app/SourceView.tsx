import { FrameCanvas } from './FrameCanvas';
import { useCurrentFrame, useSourcePixelAspect } from './frame-source';

/** The current source frame (the HR input of every view). */
export function SourceView() {
  const frame = useCurrentFrame();
  const pixelAspect = useSourcePixelAspect();
  return <FrameCanvas frame={frame} label="Source" testId="frame-canvas" pixelAspect={pixelAspect} />;
}
