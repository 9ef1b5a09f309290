// esbuild plugin for the engine bundle. @vlasky/zongji tells binlog events apart by their class's
// name (constructor.name), and a bundle renames a class whose name another module also uses (its
// Query became Query2: every QUERY event, COMMIT and DDL included, went unrecognised). esbuild's
// keepNames cured that for every function at a price on hot paths: it wraps each closure created
// per decoded value (zongji's readMysqlValue makes one per string) in a defineProperty, ~10% of the
// engine's CPU while streaming. This pins the names of zongji's exported event classes only.
import { readFile } from 'node:fs/promises';

export const zongjiNames = {
  name: 'zongji-names',
  setup(build) {
    build.onLoad({ filter: /[\\/]@vlasky[\\/]zongji[\\/]lib[\\/](binlog_event|rows_event)\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const names = [...source.matchAll(/^export\s*\{([^}]*)\}/gm)]
        .flatMap((m) => m[1].split(',')).map((s) => s.trim()).filter((s) => /^[A-Za-z_$][\w$]*$/.test(s));
      if (names.length === 0) throw new Error(`zongji-names: no export list in ${args.path} (zongji's layout changed: check getTypeName)`);
      const pin = `\n;for (const [name, cls] of Object.entries({ ${names.join(', ')} })) `
        + `if (typeof cls === 'function') Object.defineProperty(cls, 'name', { value: name, configurable: true });\n`;
      return { contents: source + pin, loader: 'js' };
    });
  },
};
