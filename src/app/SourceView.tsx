import { FrameCanvas } from './FrameCanvas';
import { useCurrentFrame, useFrameSource } from './frame-source';

/** The current source frame (the HR input of every view). */
export function SourceView() {
  const frame = useCurrentFrame();
  const source = useFrameSource();
  return <FrameCanvas frame={frame} label="Source" testId="frame-canvas" pixelAspect={source?.pixelAspect} />;
}
