/**
 * Entry of an M worker thread (runtime/m.ts). It loads the package's own main
 * entry, the very file user code gets from `import '@gocsp/core'`, so the
 * runtime and the goroutines running on this thread share one copy of core.
 */
const self = import.meta.url.endsWith('.cjs') ? './index.cjs' : './index.js';
interface Core {
  substrate: { runM(): void };
}
import(new URL(self, import.meta.url).href).then(
  (core: Core & { default?: Core }) => (core.substrate ?? core.default!.substrate).runM(),
  (e: unknown) => {
    throw e;
  },
);
