// API report: the public surface of every published package, read from its built
// declarations (dist/**/*.d.ts, so run `pnpm build` first) and written to
// api/<package>.api.md, which is checked in. A change to what users can import shows
// up in review as a diff of that file.
//
//   node scripts/api-report.mjs          rewrite api/ (`pnpm api:update` builds first)
//   node scripts/api-report.mjs --check  fail, with a diff, when the build differs from api/
//
// For each entry of a package's `exports` map (`.`, `./testing`, ...) the report lists the
// exported names in order with their declarations as TypeScript prints them, without
// comments; then the package's declarations that exported ones refer to without exporting
// them (they are part of the API's shape too). Declarations that come from another package
// are named, not repeated. Bundle chunk names and declaration order inside the bundles do
// not matter, so only a change of the surface changes the report.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import ts from 'typescript';

const root = new URL('..', import.meta.url).pathname;
const apiDir = join(root, 'api');
const check = process.argv.includes('--check');

const byName = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
const printer = ts.createPrinter({ removeComments: true, newLine: ts.NewLineKind.LineFeed });

/** Published packages: their folder, name and the `.d.ts` of each `exports` entry. */
function publishedPackages() {
  const packages = [];
  for (const entry of readdirSync(join(root, 'packages'), { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = join(root, 'packages', entry.name);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    if (manifest.private) continue;
    const entries = [];
    for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
      const types = typeof target === 'object' ? target?.import?.types : undefined;
      if (!types) continue;
      const file = join(dir, types);
      if (!existsSync(file)) {
        console.error(`✗ api report: ${relative(root, file)} is missing: run \`pnpm build\` first`);
        process.exit(1);
      }
      entries.push({ specifier: join(manifest.name, subpath).replaceAll(sep, '/'), file });
    }
    entries.sort((a, b) => byName(a.specifier, b.specifier));
    packages.push({ dir, name: manifest.name, folder: entry.name, entries });
  }
  return packages.sort((a, b) => byName(a.folder, b.folder));
}

/** The name of the package whose folder holds `file` (for declarations from elsewhere). */
function packageOf(file) {
  let dir = dirname(file);
  while (dir !== dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) return JSON.parse(readFileSync(manifest, 'utf8')).name ?? dir;
    dir = dirname(dir);
  }
  return file;
}

/** A top-level declaration (not a type parameter, member or local). */
function isTopLevel(decl) {
  const statement = ts.isVariableDeclaration(decl) ? decl.parent?.parent : decl;
  return statement?.parent !== undefined && ts.isSourceFile(statement.parent);
}

/**
 * The order of a union's members and of an object type's properties means nothing to the
 * type, and in types TypeScript infers (a `z.enum([...])` schema, say) it follows the order
 * in which the compiler met the literals, which can differ from one build to the next. The
 * report sorts both, so it changes only when the surface does. Interfaces, classes, enums
 * and object types with call or method signatures (overload order matters) keep their order.
 */
function canonical(node, source) {
  const key = (n) => printer.printNode(ts.EmitHint.Unspecified, n, source);
  const sorted = (factory, nodes) =>
    factory.createNodeArray([...nodes].sort((a, b) => byName(key(a), key(b))));
  const [result] = ts.transform(node, [
    (context) => {
      const { factory } = context;
      const visit = (child) => {
        const n = ts.visitEachChild(child, visit, context);
        if (ts.isUnionTypeNode(n)) return factory.updateUnionTypeNode(n, sorted(factory, n.types));
        if (ts.isTypeLiteralNode(n) && n.members.every(ts.isPropertySignature)) {
          return factory.updateTypeLiteralNode(n, sorted(factory, n.members));
        }
        return n;
      };
      return visit;
    },
  ]).transformed;
  return printer.printNode(ts.EmitHint.Unspecified, result, source);
}

/** The declaration as TypeScript prints it, comments and `export` left out. */
function print(decl) {
  const source = decl.getSourceFile();
  if (ts.isVariableDeclaration(decl) && decl.parent.declarations.length > 1) {
    const keyword = decl.parent.flags & ts.NodeFlags.Const ? 'const' : 'let';
    return `declare ${keyword} ${canonical(decl, source)};`;
  }
  const node = ts.isVariableDeclaration(decl) ? decl.parent.parent : decl;
  return canonical(node, source).replace(/^export (default )?/, '');
}

function report(pkg, program) {
  const checker = program.getTypeChecker();
  const ownDist = `${join(pkg.dir, 'dist')}${sep}`;
  const isOwn = (decl) => decl.getSourceFile().fileName.startsWith(ownDist);
  const resolve = (symbol) =>
    symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;

  const exported = new Set();
  const sections = [];
  for (const entry of pkg.entries) {
    const source = program.getSourceFile(entry.file);
    const moduleSymbol = source && checker.getSymbolAtLocation(source);
    const names = moduleSymbol ? checker.getExportsOfModule(moduleSymbol) : [];
    const lines = [];
    for (const symbol of [...names].sort((a, b) => byName(a.name, b.name))) {
      const target = resolve(symbol);
      exported.add(target);
      const decls = target.declarations ?? [];
      const foreign = decls.find((d) => !isOwn(d));
      if (decls.length === 0 || foreign) {
        const from = foreign ? packageOf(foreign.getSourceFile().fileName) : 'unknown';
        const names =
          target.name === symbol.name ? symbol.name : `${target.name} as ${symbol.name}`;
        lines.push(`export { ${names} } from '${from}';`);
        continue;
      }
      if (target.name !== symbol.name) lines.push(`// exported as ${symbol.name}`);
      for (const decl of decls) lines.push(print(decl));
    }
    sections.push({ title: entry.specifier, body: lines });
  }

  // Declarations of this package that exported ones refer to without exporting them.
  const referenced = new Map();
  const queue = [...exported];
  const visit = (node) => {
    let name;
    if (ts.isTypeReferenceNode(node)) name = node.typeName;
    else if (ts.isExpressionWithTypeArguments(node)) name = node.expression;
    else if (ts.isTypeQueryNode(node)) name = node.exprName;
    if (name) {
      const symbol = checker.getSymbolAtLocation(ts.isQualifiedName(name) ? name.left : name);
      const target = symbol && resolve(symbol);
      const decls = target?.declarations ?? [];
      if (
        target &&
        !exported.has(target) &&
        !referenced.has(target) &&
        decls.length > 0 &&
        decls.every((d) => isOwn(d) && isTopLevel(d))
      ) {
        referenced.set(target, decls.map(print).join('\n'));
        queue.push(target);
      }
    }
    ts.forEachChild(node, visit);
  };
  while (queue.length > 0) {
    for (const decl of queue.pop().declarations ?? []) if (isOwn(decl)) visit(decl);
  }
  if (referenced.size > 0) {
    const body = [...referenced.entries()]
      .map(([symbol, text]) => ({ name: symbol.name, text }))
      .sort((a, b) => byName(a.name, b.name) || byName(a.text, b.text))
      .map((r) => r.text);
    sections.push({ title: 'Referenced by the exports above, not exported', body });
  }

  const out = [
    `# API report: ${pkg.name}`,
    '',
    '<!-- Generated by `pnpm api:update` from the built declarations: do not edit. -->',
    '<!-- `pnpm test` fails while this file differs from the build (README.md, "The API report"). -->',
    '',
  ];
  for (const section of sections) {
    out.push(`## ${section.title}`, '', '```ts', ...section.body, '```', '');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

const packages = publishedPackages();
// One program over every entry: each package's declarations are read once.
const program = ts.createProgram(
  packages.flatMap((pkg) => pkg.entries.map((e) => e.file)),
  {
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: [],
  },
);
const reports = new Map(packages.map((pkg) => [`${pkg.folder}.api.md`, report(pkg, program)]));

if (!check) {
  mkdirSync(apiDir, { recursive: true });
  for (const file of readdirSync(apiDir)) {
    if (file.endsWith('.api.md') && !reports.has(file)) rmSync(join(apiDir, file));
  }
  for (const [file, text] of reports) writeFileSync(join(apiDir, file), text);
  console.log(`✓ api report: ${reports.size} packages written to api/`);
  process.exit(0);
}

const stale = existsSync(apiDir)
  ? readdirSync(apiDir).filter((f) => f.endsWith('.api.md') && !reports.has(f))
  : [];
const changed = [...reports].filter(([file, text]) => {
  const path = join(apiDir, file);
  return !existsSync(path) || readFileSync(path, 'utf8') !== text;
});
if (changed.length === 0 && stale.length === 0) {
  console.log(`✓ api report: ${reports.size} packages match api/`);
  process.exit(0);
}
const scratch = join(root, '.tmp', 'api-report');
rmSync(scratch, { recursive: true, force: true });
mkdirSync(scratch, { recursive: true });
for (const [file, text] of changed) {
  const built = join(scratch, file);
  writeFileSync(built, text);
  const checkedIn = join(apiDir, file);
  let diff;
  try {
    diff = execFileSync(
      'diff',
      ['-u', '--label', `api/${file}`, '--label', `build`, checkedIn, built],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
  } catch (error) {
    // diff exits 1 when the files differ; 2 (e.g. no checked-in file) prints to stderr.
    diff = existsSync(checkedIn) ? String(error.stdout ?? '') : `api/${file} is missing\n`;
  }
  console.error(diff.trimEnd());
}
for (const file of stale) console.error(`api/${file}: no published package has this report`);
console.error(
  `\n✗ api report: the public API of ${[...changed.map(([f]) => f), ...stale].join(', ')} ` +
    'differs from the checked-in report. If the change is intended, run `pnpm api:update` ' +
    'and commit api/ with it, so reviewers see the change.',
);
process.exit(1);
