// Worker entry for aggregateLogStream: parses the batches it is sent with one long-lived parser and
// aggregator, answers each with its counts, and sends its windows when told the input is finished.
import { parentPort, workerData } from 'node:worker_threads';
import { type BatchParserSettings, createBatchParser, type FromWorker, type ToWorker } from './parallel.js';

const port = parentPort;
if (port === null) throw new Error('parse-worker must run in a worker thread');
const parser = createBatchParser(workerData as BatchParserSettings);
/**
 * Text parsed between two hand-overs of the windows to the main thread: every worker sees every window of
 * the object, so keeping them all until the end would multiply the aggregates' memory by the worker count.
 */
const HAND_OVER_BYTES = 32 * 1024 * 1024;
let sinceHandOver = 0;

port.on('message', (message: ToWorker) => {
  try {
    if (message.type === 'batch') {
      const result = parser.parse(new Uint8Array(message.buffer, 0, message.length), message.last, message.damaged);
      sinceHandOver += message.length;
      const windows = sinceHandOver >= HAND_OVER_BYTES ? parser.takeWindows() : null;
      if (windows !== null) sinceHandOver = 0;
      // The buffer goes back for the next batch; records never hold on to it (strings are decoded copies).
      const reply: FromWorker = { type: 'result', seq: message.seq, result, windows, buffer: message.buffer };
      port.postMessage(reply, [message.buffer]);
    } else {
      port.postMessage({ type: 'windows', windows: parser.takeWindows() } satisfies FromWorker);
      port.close();
    }
  } catch (error) {
    port.postMessage({
      type: 'failed',
      message: error instanceof Error ? error.message : String(error),
    } satisfies FromWorker);
  }
});
