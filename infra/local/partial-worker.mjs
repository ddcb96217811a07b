// Entry of a partial-building worker thread: Node 20 workers ignore `--import`, so tsx is registered here.
import { register } from 'tsx/esm/api';

register();
await import(new URL('./partial-worker.ts', import.meta.url).href);
