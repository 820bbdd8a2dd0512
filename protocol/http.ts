/**
 * The HTTP rules every request meets before its route runs (API.md, HTTP):
 * the daemon enforces them (daemon/server.ts), the typed client follows
 * them, docs/api.md states them.
 */

/** `Host` names the daemon answers (with any port); any other is refused, so that DNS rebinding cannot reach it. */
export const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'] as const;

/** Largest request body accepted by default, in bytes (an editor buffer can be big). */
export const DEFAULT_BODY_LIMIT = 8 * 1024 * 1024;

/** Header that names the calling client (e.g. `vscode-1`): its newer request of a kind supersedes its older one. */
export const CLIENT_HEADER = 'x-cvu-client';
