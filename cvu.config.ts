import { defineConfig } from './config/index.js';

// Cvu's own workspace configuration. A workspace config is read as data, never
// run: literal values only, and only index, completion and prompt settings (the
// model, the embedding model and thread counts are the user's, in
// $CVU_HOME/config.ts). In another project write `import { defineConfig } from 'cvu'`.
export default defineConfig({
  index: {
    ignore: ['test/fixtures/**'],
  },
});
