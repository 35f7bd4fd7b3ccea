import { validateMessage } from '@gdpr-mail/core';
import { describe, expect, it } from 'vitest';
import {
  emailTags,
  MAX_EMAIL_TAGS,
  sanitizeTagPart,
  toSendEmailInput,
} from './message-converter.js';

describe('SES EmailTags', () => {
  it('maps tags to name=true and metadata to name=value', () => {
    expect(emailTags(['newsletter'], { campaign: 'c-42' })).toEqual([
      { Name: 'newsletter', Value: 'true' },
      { Name: 'campaign', Value: 'c-42' },
    ]);
    expect(emailTags(undefined, undefined)).toEqual([]);
  });

  it("replaces characters outside SES's charset and caps lengths and count", () => {
    expect(sanitizeTagPart('dlv:01J/x.y=z+w')).toBe('dlv_01J_x_y_z_w');
    expect(sanitizeTagPart('')).toBe('_');
    expect(sanitizeTagPart('a'.repeat(300))).toHaveLength(256);
    const many = Array.from({ length: 60 }, (_, i) => `t${i}`);
    expect(emailTags(many, undefined)).toHaveLength(MAX_EMAIL_TAGS);
    for (const { Name, Value } of emailTags(['a.b'], { 'k:1': 'v/2' })) {
      expect(Name).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(Value).toMatch(/^[A-Za-z0-9_-]+$/);
    }
  });

  it('keeps one tag per name, the later entry winning', () => {
    expect(emailTags(['purpose'], { purpose: 'newsletter' })).toEqual([
      { Name: 'purpose', Value: 'newsletter' },
    ]);
  });
});

describe('SES address fields', () => {
  it('writes a long non-ASCII name as encoded-words of at most 75 characters that decode back', async () => {
    const name = 'Zoë Ångström-Dvořáková de la Fontaine-Müller née Ñúñez';
    const input = await toSendEmailInput(
      validateMessage({
        from: { address: 'news@acme.test', name },
        to: { address: 'ada@example.test', name },
        subject: 'S',
        text: 'T',
      }),
      { content: 'simple' },
    );
    for (const field of [input.FromEmailAddress, input.Destination?.ToAddresses?.[0]]) {
      const words = field!.replace(/ <[^>]+>$/, '').split(' ');
      expect(words.length).toBeGreaterThan(1);
      for (const word of words) expect(word.length).toBeLessThanOrEqual(75);
      const decoded = Buffer.concat(
        words.map((word) => Buffer.from(/^=\?UTF-8\?B\?(.*)\?=$/.exec(word)![1]!, 'base64')),
      ).toString('utf8');
      expect(decoded).toBe(name);
      expect(field).toMatch(/ <[a-z]+@[a-z.]+>$/);
    }
  });
});
