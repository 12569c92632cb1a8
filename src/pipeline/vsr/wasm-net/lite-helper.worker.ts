/** The lite net's helper thread in the browser: one message (LiteHelperInit), then it serves jobs until told to quit. */
import { liteHelperLoop, type LiteHelperInit } from './lite-helper';

self.onmessage = (e: MessageEvent<LiteHelperInit>) => liteHelperLoop(e.data, () => self.postMessage('ready'));
