import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ParsedRequest } from './read-body.js';
import { BodyReadError, readBody, readText } from './read-body.js';

function fakeRequest(body: string, headers: Record<string, string>): ParsedRequest {
  const stream = Readable.from([Buffer.from(body)]) as unknown as ParsedRequest;
  (stream as { headers: IncomingMessage['headers'] }).headers = headers;
  return stream;
}

describe('readBody', () => {
  it('parses a form like a browser sends it: a repeated key is an array', async () => {
    const req = fakeRequest('email=a%40example.com&purposes=a&purposes=b', {
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
    });
    expect(await readBody(req, 1000)).toEqual({ email: 'a@example.com', purposes: ['a', 'b'] });
  });

  it('parses JSON, refuses broken JSON with VALIDATION_FAILED, ignores other types', async () => {
    const json = fakeRequest('{"a":[1]}', { 'content-type': 'application/json' });
    expect(await readBody(json, 1000)).toEqual({ a: [1] });
    const broken = fakeRequest('{"a"', { 'content-type': 'application/json' });
    await expect(readBody(broken, 1000)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    const xml = fakeRequest('<a/>', { 'content-type': 'application/xml' });
    expect(await readBody(xml, 1000)).toBeUndefined();
  });

  it('refuses more than the limit, declared or actually sent', async () => {
    const declared = fakeRequest('x', { 'content-length': '5000' });
    await expect(readText(declared, 1000)).rejects.toBeInstanceOf(BodyReadError);
    const sent = fakeRequest('x'.repeat(1001), {});
    await expect(readText(sent, 1000)).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(await readText(fakeRequest('x'.repeat(1000), {}), 1000)).toHaveLength(1000);
  });

  it('uses what an earlier parser left, still checking the declared length', async () => {
    const req = fakeRequest('', { 'content-length': '20' });
    req._body = true;
    req.body = { token: 't' };
    expect(await readBody(req, 1000)).toEqual({ token: 't' });
    await expect(readBody(req, 10)).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });
});
