/** The lite net's helper thread on Node's worker_threads (tests; started with tsx as its loader). */
import { parentPort, workerData } from 'node:worker_threads';
import { liteHelperLoop, type LiteHelperInit } from './lite-helper.ts';

liteHelperLoop(workerData as LiteHelperInit, () => parentPort!.postMessage('ready'));
