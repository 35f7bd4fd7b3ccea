import { describe, expect, it } from 'vitest';
import { verpRecipient, verpReturnPath } from './verp.js';

describe('VERP return paths', () => {
  it('encodes the recipient and decodes it back', () => {
    const path = verpReturnPath('bounces@shop.example', 'ann.lee+tag@example.org');
    expect(path).toBe('bounces+ann.lee+tag=example.org@shop.example');
    expect(verpRecipient('bounces@shop.example', path)).toBe('ann.lee+tag@example.org');
  });

  it('compares the bounce address without case and refuses other addresses', () => {
    expect(verpRecipient('bounces@shop.example', 'Bounces+a=b.example@SHOP.example')).toBe(
      'a@b.example',
    );
    expect(verpRecipient('bounces@shop.example', 'bounces@shop.example')).toBeUndefined();
    expect(
      verpRecipient('bounces@shop.example', 'bounces+a=b.example@other.example'),
    ).toBeUndefined();
    expect(verpRecipient('bounces@shop.example', 'news+a=b.example@shop.example')).toBeUndefined();
    expect(verpRecipient('bounces@shop.example', 'bounces+nodomain@shop.example')).toBeUndefined();
  });

  it('refuses a bounce address that is not local@domain', () => {
    expect(() => verpReturnPath('bounces', 'a@b.example')).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
  });
});
