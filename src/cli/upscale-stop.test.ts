/**
 * Ctrl-C during a long `vqdsr upscale`: the run stops at a frame boundary and closes the video
 * properly (a playable file named as the app names a cancelled export), not a cut file that no
 * player opens (what it left before: 48 bytes, no index), and no ffmpeg process is left behind.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findNativeFfmpeg } from '../media/ffmpeg-node.ts';
import { DEFAULT_MODELS_DIR } from '../pipeline/vsr/vsr-node.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const tmp = mkdtempSync(path.join(tmpdir(), 'vqdsr-stop-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const ready = !!findNativeFfmpeg() && spawnSync('ffprobe', ['-version']).status === 0 && existsSync(path.join(DEFAULT_MODELS_DIR, 'vsr-fast.step.onnx'));

describe.skipIf(!ready)('vqdsr upscale stopped by Ctrl-C', () => {
  it('a terminal Ctrl-C (SIGINT to the whole process group) leaves a playable, clearly named partial MP4 and says how to do the rest', async () => {
    const out = path.join(tmp, 'clip-x4.mp4');
    // Its own process group, as a shell gives a foreground job: the signal goes to the group.
    const child = spawn(process.execPath, ['bin/vqdsr.mjs', 'upscale', 'public/samples/sample.mp4', out, '--model', 'vsr-fast', '--frames', '0:30', '--threads', '1'], { cwd: ROOT, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // Once the first frames are through (the non-TTY progress line), press "Ctrl-C".
    const t0 = Date.now();
    while (!/\d+\/30 frames/.test(err) && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 100));
    process.kill(-child.pid!, 'SIGINT');
    const code = await exited;
    const partial = readdirSync(tmp).find((f) => /^clip-x4-partial-\d+-of-30\.mp4$/.test(f));
    expect(code, err).toBe(130);
    expect(partial, `files: ${readdirSync(tmp).join(', ')}`).toBeDefined();
    expect(existsSync(out)).toBe(false);
    const done = Number(/partial-(\d+)-of/.exec(partial!)![1]);
    expect(done).toBeGreaterThan(0);
    expect(done).toBeLessThan(30);
    // playable: ffprobe decodes exactly the frames its name says
    const probe = spawnSync('ffprobe', ['-v', 'error', '-count_frames', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', path.join(tmp, partial!)], { encoding: 'utf8' });
    expect(probe.stdout.trim()).toBe(String(done));
    expect(err).toMatch(new RegExp(`--frames ${done}:`));
    // no ffmpeg of this run left (the encoder's command line names the output folder)
    expect(spawnSync('pgrep', ['-f', tmp]).stdout.toString().trim()).toBe('');
  }, 120_000);
});
