/**
 * The real llama-server for tests (fixtures/llama-server.ts starts it). Without the
 * binary the tests skip locally with a message that says how to build it, and fail
 * where CVU_REQUIRE_LLAMA_SERVER=1 (CI: .ci/run sets it).
 */
import { LLAMA_SERVER, MISSING_LLAMA_SERVER } from '../../fixtures/llama-server.js';

export { LLAMA_SERVER, startLlamaServer, type RunningServer } from '../../fixtures/llama-server.js';

if (!LLAMA_SERVER && process.env.CVU_REQUIRE_LLAMA_SERVER === '1') throw new Error(`${MISSING_LLAMA_SERVER} (CVU_REQUIRE_LLAMA_SERVER=1)`);
if (!LLAMA_SERVER) console.warn(`skipping the real llama-server tests: ${MISSING_LLAMA_SERVER}`);
