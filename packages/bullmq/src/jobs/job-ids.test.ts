import { describe, expect, it } from 'vitest';
import { campaignJobKey, chunkJobKey, jobIdFor, sweepJobKey } from './job-ids.js';

describe('job ids', () => {
  it('are free of ":" (refused by BullMQ) and one-to-one with the keys', () => {
    const keys = [
      campaignJobKey('spring'),
      campaignJobKey('spring:x'),
      campaignJobKey('spring%3Ax'),
      chunkJobKey('spring', {}),
      chunkJobKey('spring', { after: 'a', until: 'b' }),
      chunkJobKey('spring', { after: 'a' }),
      sweepJobKey('2026-12-04'),
    ];
    const ids = keys.map(jobIdFor);
    expect(ids.every((id) => !id.includes(':'))).toBe(true);
    expect(new Set(ids).size).toBe(keys.length);
    expect(jobIdFor(campaignJobKey('spring'))).toBe(jobIdFor(campaignJobKey('spring')));
    expect(decodeURIComponent(jobIdFor('campaign:a%b'))).toBe('campaign:a%b');
  });
});
