import { runStoreConformance } from '@gdpr-mail/core/testing';
import { MemoryStore } from './memory-store.js';

runStoreConformance('memory', () => new MemoryStore());
