import { once } from 'node:events';
import { createServer, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { sendGdprResponse } from './translate.js';

describe('sendGdprResponse', () => {
  it('streams an AsyncIterable body: the client reads a chunk before the next one exists', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const produced: string[] = [];
    async function* body(): AsyncGenerator<string> {
      produced.push('first');
      yield '{"part":1,';
      await gate;
      produced.push('second');
      yield '"part2":2}';
    }
    const server = createServer((_req, res) => {
      sendGdprResponse(res, {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: body(),
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    try {
      const res = await new Promise<import('node:http').IncomingMessage>((resolve) => {
        get(`http://127.0.0.1:${port}/`, resolve);
      });
      expect(res.headers['transfer-encoding']).toBe('chunked');
      const [firstChunk] = (await once(res, 'data')) as [Buffer];
      expect(firstChunk.toString()).toBe('{"part":1,');
      // The second chunk is not produced until the first has reached the client.
      expect(produced).toEqual(['first']);
      const rest: Buffer[] = [];
      res.on('data', (chunk: Buffer) => rest.push(chunk));
      release();
      await once(res, 'end');
      expect(Buffer.concat(rest).toString()).toBe('"part2":2}');
      expect(produced).toEqual(['first', 'second']);
    } finally {
      server.close();
    }
  });

  it('sends text and bytes whole, with their length', async () => {
    const server = createServer((req, res) => {
      sendGdprResponse(res, {
        status: req.url === '/bytes' ? 200 : 201,
        headers: { 'x-kind': req.url ?? '' },
        body: req.url === '/bytes' ? Uint8Array.of(1, 2, 3) : 'héllo',
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    try {
      const text = await fetch(`http://127.0.0.1:${port}/text`);
      expect(text.status).toBe(201);
      expect(text.headers.get('content-length')).toBe(String(Buffer.byteLength('héllo')));
      expect(await text.text()).toBe('héllo');
      const bytes = await fetch(`http://127.0.0.1:${port}/bytes`);
      expect(new Uint8Array(await bytes.arrayBuffer())).toEqual(Uint8Array.of(1, 2, 3));
      expect(bytes.headers.get('x-kind')).toBe('/bytes');
    } finally {
      server.close();
    }
  });
});
