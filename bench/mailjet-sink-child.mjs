// A Mailjet-like Send API v3.1 in its own process for bench/send-http.ts: checks
// basic auth, parses the JSON body, answers one success per message (message ids
// above 2^53, as Mailjet's are) and drops the content. Reports its port over IPC.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';

const auth = `Basic ${Buffer.from('bench-key:bench-secret').toString('base64')}`;
let nextId = 1152921504606846976n;
let received = 0;

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    if (req.headers.authorization !== auth) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"StatusCode":401}');
      return;
    }
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (!Array.isArray(body.Messages) || body.Messages.length > 50) {
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"StatusCode":400}');
      return;
    }
    received += body.Messages.length;
    const results = body.Messages.map((m) => {
      const id = nextId++;
      return `{"Status":"success","To":[{"Email":${JSON.stringify(m.To[0].Email)},"MessageUUID":"${randomUUID()}","MessageID":${id},"MessageHref":"https://api.mailjet.com/v3/REST/message/${id}"}],"Cc":[],"Bcc":[]}`;
    });
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(`{"Messages":[${results.join(',')}]}`);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }));
process.on('message', (message) => {
  if (message === 'count') process.send?.({ received });
  if (message === 'stop') server.close(() => process.exit(0));
});
