/**
 * typebox, the schema builder of protocol/ and config/, and its Value checks: the product imports
 * it through this module only. typebox ships as ~680 small ES modules, and loading them took
 * ~200 ms in every process that speaks the protocol (the daemon, `cvu index`, `cvu mcp`); the
 * build replaces this module's compiled form with one file holding all of them
 * (bin/bundle-dist.mjs). Tests and benchmarks run it from source, as it is here.
 */
export * from 'typebox';
export { Value } from 'typebox/value';
