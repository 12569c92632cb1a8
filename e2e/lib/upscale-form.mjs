// The Upscale tab's run form, as the suites fill it: frames from–to (1-based, as typed), the LR
// region, the output kind and size, the passes (self-ensemble); then Start, the progress while it runs, the status once the
// run has ended, and the result's download.

/**
 * Sets the fields given (an omitted field keeps what the form shows), once the form is there: it
 * shows when a source is open, and a page just opened first starts its engine, then loads the
 * sample (30–50 s on SwiftShader on a loaded 2-core machine, measured).
 */
export async function setUpscaleRun(page, { from, to, region, output, size, ensemble } = {}) {
  await page.waitForSelector('[data-testid=upscale-start]', { timeout: 120_000 });
  if (from !== undefined) await page.fill('[data-testid=upscale-from]', String(from));
  if (to !== undefined) await page.fill('[data-testid=upscale-to]', String(to));
  if (region !== undefined) await page.selectOption('[data-testid=upscale-region]', region);
  if (output !== undefined) await page.selectOption('[data-testid=upscale-output]', output);
  if (size !== undefined) await page.selectOption('[data-testid=upscale-size]', size);
  if (ensemble !== undefined) await page.selectOption('[data-testid=upscale-ensemble]', String(ensemble));
}

/** Fills the form and starts the run, without waiting for anything (a suite that acts mid-run). */
export async function startUpscale(page, fields) {
  await setUpscaleRun(page, fields);
  await page.click('[data-testid=upscale-start]');
}

/** Resolves once at least `n` frames of the run in progress are done (its progress bar's count). */
export async function upscaleFramesDone(page, n = 1, timeout = 240_000) {
  await page.waitForFunction((k) => Number(document.querySelector('[data-testid=upscale-progress]')?.getAttribute('data-done') ?? 0) >= k, n, { timeout });
}

/**
 * Resolves when the run has ended: done, failed or cancelled (a clip's status line says which), or
 * a still image's result shown (its run ends without a status line). Returns the status line,
 * trimmed; '' where there is none.
 */
export async function upscaleEnded(page, timeout = 240_000) {
  await page.waitForFunction(
    () => !!document.querySelector('[data-testid=upscale-result]') || ['done', 'error', 'cancelled'].includes(document.querySelector('[data-testid=upscale-status]')?.getAttribute('data-status') ?? ''),
    null,
    { timeout },
  );
  const status = await page.$('[data-testid=upscale-status]');
  return status ? (await status.textContent()).trim() : '';
}

/** Fills the form, starts the run and waits for its end; returns the status line. */
export async function runUpscale(page, fields, timeout = 240_000) {
  await startUpscale(page, fields);
  return upscaleEnded(page, timeout);
}

/** Saves the result shown (the Download button's file) as `file`; returns the name the app gave it. */
export async function downloadUpscale(page, file) {
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.click('[data-testid=upscale-download]')]);
  await dl.saveAs(file);
  return dl.suggestedFilename();
}
