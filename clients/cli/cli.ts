// Process entry of the `cvu` command (bin/cvu.js loads the compiled copy).
import { main, processIO } from './main.js';

process.exitCode = await main(process.argv.slice(2), processIO);
