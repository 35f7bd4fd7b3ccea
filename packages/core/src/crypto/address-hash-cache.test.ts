import { describe, expect, it } from 'vitest';
import { createAddressHashCache } from './address-hash-cache.js';
import { keyedHash, pepperKey } from './hashing.js';

describe('address hash cache', () => {
  it('gives the same hash as computing it, computing each address once while it is kept', () => {
    const calls: string[] = [];
    const pepper = 'test-pepper-0123456789-abcdefghijklmnop';
    const cache = createAddressHashCache((email) => {
      calls.push(email);
      return keyedHash(pepperKey(pepper), 'd', email);
    }, 2);
    expect(cache.hash('a@example.com')).toBe(keyedHash(pepper, 'd', 'a@example.com'));
    cache.hash('a@example.com');
    expect(calls).toEqual(['a@example.com']);
  });

  it('is bounded: the oldest address goes first', () => {
    const calls: string[] = [];
    const cache = createAddressHashCache((email) => {
      calls.push(email);
      return `h(${email})`;
    }, 2);
    cache.hash('a');
    cache.hash('b');
    cache.hash('c'); // evicts a
    cache.hash('b');
    cache.hash('a');
    expect(calls).toEqual(['a', 'b', 'c', 'a']);
  });

  it('forgets an address on request (erasure), and caches nothing with a zero limit', () => {
    const calls: string[] = [];
    const cache = createAddressHashCache((email) => {
      calls.push(email);
      return `h(${email})`;
    }, 10);
    cache.hash('a');
    cache.forget('a');
    cache.hash('a');
    const none = createAddressHashCache((email) => {
      calls.push(`0:${email}`);
      return email;
    }, 0);
    none.hash('x');
    none.hash('x');
    expect(calls).toEqual(['a', 'a', '0:x', '0:x']);
  });
});
