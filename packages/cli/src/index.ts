export type { CliIo } from './cli-io.js';
export { EXIT, UsageError } from './cli-io.js';
export { DEFAULT_CONFIG_FILES, loadConfig } from './load-config.js';
export { runCli, USAGE } from './run-cli.js';
