import { defineConfig } from './config/index.js';

// Cvu's own workspace configuration; an example of every section.
// In another project write `import { defineConfig } from 'cvu'`.
export default defineConfig({
  index: {
    ignore: ['test/fixtures/**'],
  },
  embedding: {
    model: 'Xenova/all-MiniLM-L6-v2',
  },
});
