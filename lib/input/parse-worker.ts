// Worker entry for aggregateLogStream: parses the batches it is sent with one long-lived parser and
// aggregator, answers each with its counts, and sends its windows when told the input is finished.
import { parentPort, workerData } from 'node:worker_threads';
import { type BatchParserSettings, createBatchParser, type FromWorker, type ToWorker } from './parallel.js';

const port = parentPort;
if (port === null) throw new Error('parse-worker must run in a worker thread');
const parser = createBatchParser(workerData as BatchParserSettings);

port.on('message', (message: ToWorker) => {
  try {
    if (message.type === 'batch') {
      const result = parser.parse(new Uint8Array(message.buffer, 0, message.length), message.last, message.damaged);
      // The buffer goes back for the next batch; records never hold on to it (strings are decoded copies).
      const reply: FromWorker = {
        type: 'result',
        seq: message.seq,
        result,
        buffer: message.buffer,
        settled: parser.takeSettled(),
      };
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
