// The layers of ../shared/DESIGN.md (Layers), checked by dependency-cruiser: `npm run lint:layers`.
// Every relative import counts, type-only ones too (tsPreCompilationDeps): a type is still a dependency.
// A rule a change breaks is a design question, not a lint to silence.

/** DESIGN.md's ranks: a folder imports only folders of a lower rank; folders of one rank do not import each other. */
const RANK = {
  core: 0,
  protocol: 1,
  config: 1.5,
  store: 2,
  models: 2,
  indexer: 3,
  retrieval: 4,
  prompts: 5,
  workspace: 5,
  assistant: 6,
  mcp: 6.5,
  daemon: 7,
  clients: 8,
};
const PRODUCT = Object.keys(RANK);
const folders = (names) => `^(${names.join('|')})/`;

/** Client code runs in the editor or the user's own program: it speaks the wire contract, nothing of the server. */
const CLIENT_CODE = ['^clients/daemon-client\\.ts$', '^clients/vscode/'];
/** ...but not the extension's build script, which runs esbuild at build time. */
const CLIENT_BUILD = '^clients/vscode/build\\.mjs$';

const layerRules = PRODUCT.map((from) => ({ from, above: PRODUCT.filter((to) => to !== from && RANK[to] >= RANK[from]) }))
  .filter(({ above }) => above.length > 0)
  .map(({ from, above }) => ({
    name: `layer-${from}`,
    comment: `${from}/ (rank ${RANK[from]}) imports only folders of a lower rank, not ${above.join(', ')} (DESIGN.md, Layers).`,
    severity: 'error',
    from: { path: `^${from}/` },
    to: { path: folders(above) },
  }));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'no-circular',
      comment: 'No import cycle between files: one of them belongs lower, or the shared part belongs in a module of its own.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'client-code-speaks-protocol',
      comment:
        'The typed client and the VS Code extension import only protocol/ and core/ (and each other), ' +
        'node builtins and `vscode`: nothing of the server.',
      severity: 'error',
      from: { path: CLIENT_CODE, pathNot: CLIENT_BUILD },
      to: {
        pathNot: [folders(['protocol', 'core']), ...CLIENT_CODE, '(^|/)node_modules/@types/vscode/'],
        dependencyTypesNot: ['core'],
      },
    },
    {
      name: 'product-not-to-tests',
      comment: 'Product code never imports tests, benchmarks or the test fixtures (model writers and twins).',
      severity: 'error',
      from: { path: folders([...PRODUCT, 'bin']) },
      to: { path: folders(['test', 'bench', 'fixtures']) },
    },
    {
      name: 'fixtures-stand-alone',
      comment: 'fixtures/ (the model writers and twins) serves tests and benchmarks both, so it imports neither.',
      severity: 'error',
      from: { path: '^fixtures/' },
      to: { path: folders(['test', 'bench']) },
    },
    {
      name: 'bench-not-to-tests',
      comment: 'Benchmarks take what they share with the tests from fixtures/, not from test/.',
      severity: 'error',
      from: { path: '^bench/' },
      to: { path: '^test/' },
    },
    {
      name: 'ranked-folders-only',
      comment: 'Every source folder has a rank: give a new one its place in DESIGN.md (Layers) and in RANK above first.',
      severity: 'error',
      from: { pathNot: [folders([...PRODUCT, 'bin', 'fixtures', 'test', 'bench', 'node_modules']), '^[^/]+$'] },
      to: {},
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import the checker cannot resolve is an edge no rule above sees (but for bin/cvu.js -> dist/, the build, absent before `npm run build`).',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true, pathNot: '^\\.\\./dist/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Build output only: node_modules stays visible (not followed), so an npm package a client imports is seen.
    exclude: { path: ['^(dist|out|coverage|\\.git)/', '^\\.cvu-test-', '^clients/vscode/(dist|out|node_modules)/', '^test/e2e-vscode/artifacts/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
  },
};
