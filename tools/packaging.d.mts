// Types of tools/packaging.mjs, for the packaging tests in packages/*/test.

/** A package read from its package.json, with its export subpaths and optional peers. */
export interface PackageInfo {
  /** Absolute path of the package directory. */
  dir: string;
  /** The package name, e.g. `@gocsp/core`. */
  name: string;
  /** The parsed package.json. */
  pkg: Record<string, unknown>;
  /** Every export subpath (`.`, `./rxjs`), with the specifier a user writes. */
  subpaths: Array<{ subpath: string; spec: string }>;
  /** Peer dependencies marked optional in peerDependenciesMeta (e.g. `rxjs`). */
  optionalPeers: string[];
  /** Cache of child-process probes, one per subpath, format and blocked set. */
  probes: Map<string, Promise<ProbeResult>>;
}

/** What a fresh node process saw when it loaded one subpath. */
export type ProbeResult =
  | {
      /** The file the specifier resolved to. */
      file: string;
      /** Export name -> `typeof` value. */
      exports: Record<string, string>;
      /** Blocked packages that stayed unresolvable after loading. */
      stillBlocked: string[];
      /** CJS only: blocked packages found in require.cache. */
      loaded?: string[];
      /** How it was loaded, for messages: `import('@gocsp/core')`. */
      how: string;
      error?: undefined;
    }
  | { error: string };

/** Options of the packaging checks. */
export interface PackagingOptions {
  /** TypeScript settings to check, by name (default: all of node16 ESM, node16 CJS, bundler, node10). */
  variants?: string[];
  /** publint message codes to tolerate. */
  ignore?: string[];
}

/** One named check; `run` resolves to the problems found, empty when all is well. */
export interface PackagingCase {
  name: string;
  run: () => Promise<string[]>;
}

/**
 * Reads a package directory: name, manifest, export subpaths, optional peers.
 *
 * @example
 * ```ts
 * const info = loadPackage(new URL('..', import.meta.url));
 * info.subpaths; // [{ subpath: '.', spec: '@gocsp/patterns' }, { subpath: './rxjs', spec: '@gocsp/patterns/rxjs' }]
 * ```
 */
export function loadPackage(pkgDir: string | URL): PackageInfo;

/**
 * Runs `fn` in a temporary consumer project (under os.tmpdir()) that has the
 * package symlinked into node_modules; removes the directory afterwards.
 *
 * @example
 * ```ts
 * await withConsumer(info, async (dir) => execFileSync('node', ['-e', "require('@gocsp/core')"], { cwd: dir }));
 * ```
 */
export function withConsumer<T>(info: PackageInfo, fn: (dir: string) => Promise<T>): Promise<T>;

/**
 * Loads one subpath in a fresh node process, as ESM (`import()`) or CJS
 * (`require()`), optionally with some packages made unresolvable.
 *
 * @example
 * ```ts
 * const r = await probe(info, '.', 'cjs', { blocked: ['rxjs'] });
 * if (!r.error) console.log(Object.keys(r.exports));
 * ```
 */
export function probe(
  info: PackageInfo,
  subpath: string,
  format: 'esm' | 'cjs',
  options?: { blocked?: string[] },
): Promise<ProbeResult>;

/**
 * ESM import() and CJS require() of one subpath, each in a fresh process, give
 * the same export names with the same typeof, each from a file of its format.
 *
 * @example
 * ```ts
 * expect(await checkRuntimeExports(loadPackage(dir), '.')).toEqual([]);
 * ```
 */
export function checkRuntimeExports(info: PackageInfo, subpath: string): Promise<string[]>;

/**
 * Type-checks a consumer importing every subpath under node16 ESM, node16 CJS,
 * bundler and node10 resolution; no diagnostics, and the declared values
 * match the runtime exports.
 *
 * @example
 * ```ts
 * expect(await checkTypes(loadPackage(dir), { variants: ['node16 ESM'] })).toEqual([]);
 * ```
 */
export function checkTypes(info: PackageInfo, options?: PackagingOptions): Promise<string[]>;

/**
 * Runs publint (level 'warning') on the files `npm pack` would publish.
 *
 * @example
 * ```ts
 * expect(await checkPublint(loadPackage(dir))).toEqual([]);
 * ```
 */
export function checkPublint(info: PackageInfo, options?: PackagingOptions): Promise<string[]>;

/**
 * The main entry loads with every optional peer unresolvable, and its built
 * files never import one.
 *
 * @example
 * ```ts
 * expect(await checkOptionalPeers(loadPackage(patternsDir))).toEqual([]);
 * ```
 */
export function checkOptionalPeers(info: PackageInfo): Promise<string[]>;

/**
 * Every packaging check of a package, as named cases for a test runner.
 *
 * @example
 * ```ts
 * for (const c of packagingChecks(new URL('..', import.meta.url))) {
 *   it(c.name, async () => expect(await c.run()).toEqual([]));
 * }
 * ```
 */
export function packagingChecks(pkgDir: string | URL, options?: PackagingOptions): PackagingCase[];

/** MIT LICENSE published; repository, homepage, bugs, keywords present. Problems, or []. */
export function checkMetadata(info: PackageInfo): string[];

/** The "module" (bundler) build of a subpath, bundled by esbuild, exports what Node's ESM entry does. */
export function checkBundlerBuild(info: PackageInfo, subpath: string): Promise<string[]>;
