/**
 * Ctrl-C (SIGINT) or SIGTERM during a long run: the first asks the run to stop after the frame in
 * hand, so the output is closed properly (a playable, clearly named partial video; the PNG frames
 * written so far) instead of a cut file; a second one quits at once (exit 130).
 *
 * The ffmpeg processes the run starts are kept out of the terminal's process group
 * (media/ffmpeg-node.ts OWN_PROCESS_GROUP), so the terminal's Ctrl-C reaches only this process, which then ends their
 * input itself; otherwise the decoder would die mid-frame and the encoder stop unfinished.
 */
export class StopRequest {
  /** The signal that asked to stop, once one did. */
  signal: NodeJS.Signals | null = null;
  private firstAt = 0;
  private readonly onSignal = (sig: NodeJS.Signals): void => {
    // One Ctrl-C can arrive twice: from the terminal (to the whole process group) and forwarded
    // by a wrapper that is in that group too (npm exec / npx, timeout). Within a second it is the same press.
    if (this.signal && performance.now() - this.firstAt < 1000) return;
    if (this.signal) {
      this.say(`\n${sig} again: quitting now (the output is left unfinished)`);
      process.exit(130);
    }
    this.signal = sig;
    this.firstAt = performance.now();
    this.say(`\n${sig}: stopping after this frame and closing the output (${sig === 'SIGINT' ? 'Ctrl-C' : sig} again quits at once)…`);
  };

  constructor(private readonly say: (text: string) => void) {
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
  }

  get requested(): boolean {
    return this.signal !== null;
  }

  /** Restores the default handling (the run is over). */
  dispose(): void {
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
  }
}
