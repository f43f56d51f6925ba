import path from 'node:path';
import { fileURLToPath } from 'node:url';

/*
 * The layering of DESIGN.md §2 on resolved paths: every relative import is resolved against the
 * importing file and both ends are placed in a layer, so `../sync/x` from server/db fails however
 * the path is spelled. Package imports (node:*, electron, ...) stay with no-restricted-imports in
 * eslint.config.js. A new folder under server/ is a domain by default.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const DOMAIN = 'server/<domain>';

/** Which layers each layer may import (its own always included). */
export const MAY_IMPORT = {
  contract: [],
  renderer: ['contract'],
  'main/core': ['contract', 'migrations/station'],
  'main/electron': ['main/core', 'contract'],
  'main/host': ['main/core', 'contract'],
  // Inside server/: http -> domains -> db, never the reverse. log.ts is a leaf everyone may use;
  // config.ts reads settings for the entry points; run.ts and main.ts compose everything.
  'server/db': ['contract', 'migrations/server'],
  'server/log': ['contract'],
  [DOMAIN]: ['server/db', 'server/log', 'contract'],
  'server/config': [DOMAIN, 'server/db', 'server/log', 'contract'],
  'server/http': [DOMAIN, 'server/db', 'server/log', 'server/config', 'contract', 'migrations/server'],
  'server/entry': ['server/http', DOMAIN, 'server/db', 'server/log', 'server/config', 'contract', 'migrations/server'],
  'migrations/server': [],
  'migrations/station': [],
  // Clients from outside: anything.
  e2e: '*',
  bench: '*',
  scripts: '*',
};

const SERVER_LAYERS = new Set(['server/db', 'server/log', DOMAIN, 'server/config', 'server/http', 'server/entry']);

/** Test scaffolding: importable only from tests, other scaffolding, e2e/ and bench/. */
export function isScaffolding(rel) {
  return rel.split('/').includes('testing') || rel.startsWith('server/notes/eval/');
}

export function isTest(rel) {
  return /\.test\.tsx?$/.test(rel);
}

/** The layer of a project-relative path, or null outside the layered folders. */
export function layerOf(rel) {
  const [top, second] = rel.split('/');
  if (top === 'contract' || top === 'renderer' || top === 'e2e' || top === 'bench' || top === 'scripts') return top;
  if (top === 'main' || top === 'migrations') return second && MAY_IMPORT[`${top}/${second}`] ? `${top}/${second}` : null;
  if (top !== 'server' || !second) return null;
  // An import names a module with or without its extension: server/run and server/run.ts are one file.
  const name = second.replace(/\.(tsx?|js)$/, '');
  if (name === 'db' || name === 'http') return `server/${name}`;
  if (name === 'log' || name === 'config') return `server/${name}`;
  if (name === 'run' || name === 'main') return 'server/entry';
  return DOMAIN;
}

/** Why `fromRel` may not import `toRel`, or null when it may. Both are project-relative. */
export function violation(fromRel, toRel, importedNames = []) {
  const from = layerOf(fromRel);
  const to = layerOf(toRel);
  if (!from || !to) return null;
  const outsideClient = from === 'e2e' || from === 'bench';
  const testSide = isTest(fromRel) || isScaffolding(fromRel) || outsideClient;
  if (isScaffolding(toRel) && !testSide) return `${toRel} is test scaffolding; production code never imports it`;
  const allowed = MAY_IMPORT[from];
  if (allowed === '*') return null;
  // Tests and scaffolding sit beside the code they exercise: inside server/ they may reach any
  // server layer (a domain's test builds the HTTP app) and the server's migrations (DESIGN §2:
  // server/ may import migrations/server), but they keep the folder's outer rules.
  const sameSide =
    from === to ||
    allowed.includes(to) ||
    (testSide && SERVER_LAYERS.has(from) && (SERVER_LAYERS.has(to) || to === 'migrations/server'));
  if (!sameSide) return `${from}/ may import only ${[from, ...allowed].join(', ')} (DESIGN §2); ${toRel} is ${to}/`;
  // Only server/db (and the owner-role tools) hold the full schema type: routes and domains get a SystemDb.
  const ownerTools = from === 'server/db' || /^server\/(admin|seed)\//.test(fromRel) || testSide;
  if (!ownerTools && /^server\/db\/owner-db(\.ts)?$/.test(toRel)) return 'OwnerDb is for the seed, the admin CLI and tests; use the SystemDb in the context';
  if (!ownerTools && /^server\/db\/database(\.ts)?$/.test(toRel) && importedNames.includes('Database')) {
    return 'the full Database type stays in server/db: hold a SystemDb and reach patient tables through withBranch';
  }
  return null;
}

function importedNamesOf(node) {
  return (node.specifiers ?? []).map((s) => (s.type === 'ImportSpecifier' ? (s.imported.name ?? s.imported.value) : s.type));
}

export const layersRule = {
  meta: {
    type: 'problem',
    docs: { description: 'DESIGN §2 layering, checked on resolved import paths' },
    schema: [],
  },
  create(context) {
    const fromRel = path.relative(ROOT, context.filename).split(path.sep).join('/');
    if (fromRel.startsWith('..')) return {};
    function check(node, spec, names) {
      if (typeof spec !== 'string' || !spec.startsWith('.')) return;
      const toRel = path.relative(ROOT, path.resolve(path.dirname(context.filename), spec)).split(path.sep).join('/');
      const why = violation(fromRel, toRel, names);
      if (why) context.report({ node, message: why });
    }
    return {
      ImportDeclaration: (node) => check(node.source, node.source.value, importedNamesOf(node)),
      ExportNamedDeclaration: (node) => node.source && check(node.source, node.source.value, []),
      ExportAllDeclaration: (node) => check(node.source, node.source.value, []),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node.source, node.source.value, []),
      TSImportType: (node) => {
        const lit = node.argument?.literal ?? node.argument;
        if (lit?.type === 'Literal') check(node, lit.value, node.qualifier?.name ? [node.qualifier.name] : []);
      },
    };
  },
};

export default { rules: { layers: layersRule } };
