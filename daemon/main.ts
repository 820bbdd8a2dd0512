// Process entry of the daemon (`cvu daemon start` spawns it detached; `--foreground` runs the same code in the CLI).
import { parseArgs } from 'node:util';
import { runDaemon } from './lifecycle.js';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: { port: { type: 'string' }, host: { type: 'string' }, foreground: { type: 'boolean' } },
  strict: false,
});
const port = Number(values.port ?? 0);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`cvu daemon: --port expects 0-65535, got ${String(values.port)}\n`);
  process.exit(2);
}
const bodyLimit = Number(process.env.CVU_DAEMON_BODY_LIMIT) || undefined;
const code = await runDaemon({
  port,
  ...(typeof values.host === 'string' ? { host: values.host } : {}),
  foreground: Boolean(values.foreground),
  ...(bodyLimit ? { bodyLimit } : {}),
});
// Native runtimes (LanceDB, ONNX) can hold the event loop open; everything is flushed and closed by now.
process.exit(code);
