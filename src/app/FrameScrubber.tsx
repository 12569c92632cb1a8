import { useApp } from '../state/store';

export function FrameScrubber() {
  const source = useApp((s) => s.source);
  const index = useApp((s) => s.frameIndex);
  const setIndex = useApp((s) => s.setFrameIndex);
  if (!source || source.frameCount <= 1) return null;
  return (
    <div className="scrubber">
      <button type="button" onClick={() => setIndex(index - 1)} disabled={index === 0} title="Previous frame (←)">
        ◀
      </button>
      <input
        type="range"
        min={0}
        max={source.frameCount - 1}
        value={index}
        onChange={(e) => setIndex(Number(e.target.value))}
        aria-label="Frame"
        data-testid="scrubber"
      />
      <button type="button" onClick={() => setIndex(index + 1)} disabled={index >= source.frameCount - 1} title="Next frame (→)">
        ▶
      </button>
      <span className="scrubber-label" data-testid="frame-label">
        frame {index + 1} / {source.frameCount}
        {source.fps ? ` · ${(index / source.fps).toFixed(2)} s` : ''}
      </span>
      {source.interlaced && (
        <span className="scrubber-label" data-testid="source-note" title="The file's frames are interlaced (two fields each, as on DVDs and TV): they are deinterlaced (ffmpeg's bwdif) before anything else, so the comb teeth of the fields are not upscaled as detail.">
          · deinterlaced
        </span>
      )}
      {source.pixelAspect && (
        <span className="scrubber-label" data-testid="pixel-shape" title={`The file's pixels are not square (${source.pixelAspect.num}:${source.pixelAspect.den}): the previews show them in that shape (as players do; Compare and the explorer's zoomed tiles show stored pixels, for pixel-level inspection), and saved videos keep the pixel shape, so players show them as wide as the source.`}>
          · pixels {source.pixelAspect.num}:{source.pixelAspect.den}
        </span>
      )}
    </div>
  );
}
