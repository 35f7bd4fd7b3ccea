// A Brevo-like POST /v3/smtp/email in its own process for bench/send-brevo.ts:
// checks the api-key header, parses the JSON body, answers 201 with one
// message id per version and drops the content. Reports its port over IPC.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';

let received = 0;
let calls = 0;

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    if (req.headers['api-key'] !== 'bench-key') {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"code":"unauthorized"}');
      return;
    }
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const versions = body.messageVersions;
    if (versions !== undefined && (!Array.isArray(versions) || versions.length > 1000)) {
      res
        .writeHead(400, { 'content-type': 'application/json' })
        .end('{"code":"invalid_parameter"}');
      return;
    }
    calls += 1;
    const id = () => `<${Date.now()}.${randomUUID()}@smtp-relay.mailin.fr>`;
    received += versions ? versions.length : 1;
    const answer = versions ? { messageIds: versions.map(id) } : { messageId: id() };
    res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }));
process.on('message', (message) => {
  if (message === 'count') process.send?.({ received, calls });
  if (message === 'stop') server.close(() => process.exit(0));
});
