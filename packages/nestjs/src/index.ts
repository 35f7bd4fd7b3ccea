export * from './consent.js';
export * from './gdpr-mail.module.js';
export * from './gdpr-mail.service.js';
export * from './gdpr-mail-mount.js';
export * from './gdpr-problem.filter.js';
export * from './privacy-signals.decorator.js';
export * from './tokens.js';
