// `pnpm test`: runs the suite's stages one after the other and prints one line per
// stage (name, time, result) instead of every tool's whole output. A stage's full
// output is printed only when it fails, and the run stops there, as `a && b` would.
import { spawn } from 'node:child_process';

/**
 * @typedef {object} Stage
 * @property {string} name
 * @property {string} script the root package.json script it runs
 * @property {Record<string, string>} [env]
 * @property {RegExp} [summary] lines of its output worth showing on success
 */

/** @type {Stage[]} */
const STAGES = [
  { name: 'lint', script: 'lint', summary: /^Checked / },
  { name: 'typecheck', script: 'typecheck' },
  { name: 'docs', script: 'check:docs', summary: /^✓ / },
  { name: 'build', script: 'build' },
  // The OpenAPI document the handler serves, linted by redocly (recommended-strict).
  { name: 'openapi', script: 'check:openapi', summary: /description is valid|explicitly ignored/ },
  { name: 'api-docs', script: 'check:api-docs' },
  // The built public API against the checked-in api/*.api.md (`pnpm api:update` rewrites them).
  { name: 'api', script: 'check:api', summary: /^✓ / },
  {
    name: 'unit',
    script: 'test:unit',
    env: {
      GDPR_MAIL_BUILT: '1',
      // The AWS SDK warns once per test worker that its 2027 releases will need Node 22;
      // this is the switch it documents for that warning, set for the test run only.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    summary: /^\s*(Test Files|Tests)\s/,
  },
  { name: 'packages', script: 'check:packages', summary: /^✓ / },
  { name: 'changesets', script: 'check:changesets' },
];

/** @param {Stage} stage */
function run(stage) {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn('pnpm', ['run', '--silent', stage.script], {
      env: { ...process.env, ...stage.env, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code, signal) =>
      resolve({ ok: code === 0, code: code ?? signal, output, ms: performance.now() - started }),
    );
  });
}

// `node scripts/run-stages.mjs lint docs` runs only the stages named.
const only = process.argv.slice(2);
const selected = only.length > 0 ? STAGES.filter((s) => only.includes(s.name)) : STAGES;

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`.padStart(8);
const total = performance.now();
for (const stage of selected) {
  process.stdout.write(`  ${stage.name.padEnd(11)}`);
  const result = await run(stage);
  if (!result.ok) {
    console.log(`${seconds(result.ms)}  ✗ failed (exit ${result.code})\n`);
    process.stdout.write(result.output);
    console.log(`\n✗ pnpm test: stage "${stage.name}" failed (pnpm ${stage.script})`);
    process.exit(1);
  }
  const details = stage.summary
    ? result.output
        .split('\n')
        .filter((line) => stage.summary.test(line))
        .map((line) => line.trim().replace(/\s+/g, ' '))
        .join('; ')
    : '';
  console.log(`${seconds(result.ms)}  ✓${details ? `  ${details}` : ''}`);
}
console.log(
  `✓ pnpm test: ${selected.length} stages passed in ${seconds(performance.now() - total).trim()}`,
);
