export type {
  ConsoleAction,
  ConsoleAuthorize,
  GdprConsole,
  GdprConsoleContext,
  GdprConsoleOptions,
} from './create-gdpr-console.js';
export { CONSOLE_ACTIONS, CSRF_COOKIE, createGdprConsole } from './create-gdpr-console.js';
export type { ConsoleLocale, ConsoleMessages } from './messages.js';
export { CONSOLE_LOCALES, CONSOLE_MESSAGES } from './messages.js';
export type { NodeConsoleOptions } from './node-handler.js';
export { nodeConsoleHandler } from './node-handler.js';
