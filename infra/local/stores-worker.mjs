// Runs dynalite and s3rver on a worker thread, so the local stores get a core of their own instead of
// sharing the event loop with the handlers (plain JavaScript: it loads without the TypeScript loader).
// The thread that starts it (stores.ts) restarts it on the same ports and data if it ever dies.
import { parentPort, workerData } from 'node:worker_threads';
import dynalite from 'dynalite';
import S3rver from 's3rver';
import './s3rver-fixes.mjs';

const { host, dynamoDir, s3Directory, resetOnClose } = workerData;

const dynamoServer = dynalite({ path: dynamoDir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
// dynalite rethrows a request's 'error' (`req.on('error', (err) => { throw err })`), and a client that
// closes before its body is read (the SDK's request timeout does) errors the request with "aborted":
// uncaught, that would end this thread and both stores with it. Such a request has no one left to
// answer, so it is dropped. This listener runs after dynalite's, which adds that one synchronously.
const dropAbortedRequest = () => undefined;
dynamoServer.on('request', (request) => {
  request.removeAllListeners('error');
  request.on('error', dropAbortedRequest);
});
await new Promise((resolve, reject) => {
  dynamoServer.once('error', reject);
  dynamoServer.listen(workerData.dynamoPort ?? 0, host, resolve);
});
const dynamoPort = dynamoServer.address().port;

const newS3Server = (port) =>
  new S3rver({ port, address: host, directory: s3Directory, silent: true, resetOnClose });
let s3Server = newS3Server(workerData.s3Port ?? 0);
const { port: s3Port } = await s3Server.run();

const commands = {
  // Stops listening (in-flight requests are cut): clients see ECONNREFUSED, as with a crashed server.
  // The table survives a restart only when it lives on disk (dynamoDir): dynalite reopens its store.
  async stopDynamo() {
    if (!dynamoServer.listening) return;
    const closed = new Promise((resolve) => dynamoServer.close(resolve));
    dynamoServer.closeAllConnections();
    await closed;
  },
  async restartDynamo() {
    if (dynamoServer.listening) return;
    await new Promise((resolve, reject) => {
      dynamoServer.once('error', reject);
      dynamoServer.listen(dynamoPort, host, resolve);
    });
  },
  async stopS3() {
    await s3Server?.close();
    s3Server = undefined;
  },
  async restartS3() {
    if (s3Server) return;
    s3Server = newS3Server(s3Port);
    await s3Server.run();
  },
  // Fault injection: an uncaught exception, as a defect in dynalite or s3rver would throw one.
  async crash() {
    setImmediate(() => {
      throw new Error('stores worker crashed on request (LocalStores.crashForTest)');
    });
  },
  async close() {
    await s3Server?.close();
    s3Server = undefined;
    if (dynamoServer.listening) await new Promise((resolve) => dynamoServer.close(resolve));
  },
};

parentPort.on('message', async ({ id, command }) => {
  try {
    await commands[command]();
    parentPort.postMessage({ id, ok: true });
  } catch (error) {
    parentPort.postMessage({ id, ok: false, message: String(error) });
  }
});
parentPort.postMessage({ ready: true, dynamoPort, s3Port });
