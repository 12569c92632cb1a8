import { FrameCanvas } from './FrameCanvas';
import { useCurrentFrame } from './frame-source';

/** The current source frame (the HR input of every view). */
export function SourceView() {
  const frame = useCurrentFrame();
  return <FrameCanvas frame={frame} label="Source" testId="frame-canvas" />;
}
