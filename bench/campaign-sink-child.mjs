// The SMTP sink of bench/campaign-bullmq.ts, in its own process: an smtp-server
// that counts accepted messages per envelope recipient and drops the content.
// IPC: sends { port } when listening; answers 'count' with { total }, 'verify'
// ({ prefix, n, absent }) with duplicates / missing / unexpected counts for the
// addresses `${prefix}${i}@example.test` (i = 1..n) and the `absent` ones, and
// 'reset' clears the counts between the two phases of the bench.
import { SMTPServer } from 'smtp-server';

let counts = new Map();
let total = 0;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  maxClients: 200,
  onData(stream, session, callback) {
    stream.resume();
    stream.on('end', () => {
      for (const { address } of session.envelope.rcptTo) {
        counts.set(address, (counts.get(address) ?? 0) + 1);
        total += 1;
      }
      callback(null, 'queued');
    });
  },
});
server.on('error', () => {});
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.server.address().port }));

process.on('message', (message) => {
  if (message === 'count') process.send?.({ total });
  else if (message === 'reset') {
    counts = new Map();
    total = 0;
    process.send?.({ reset: true });
  } else if (message === 'stop') server.close(() => process.exit(0));
  else if (message?.verify) {
    const { prefix, n, absent } = message.verify;
    let duplicates = 0;
    let missing = 0;
    let expected = 0;
    for (let i = 1; i <= n; i += 1) {
      const got = counts.get(`${prefix}${i}@example.test`) ?? 0;
      if (got === 0) missing += 1;
      else {
        expected += 1;
        if (got > 1) duplicates += got - 1;
      }
    }
    const unexpected = absent.filter((address) => counts.has(address)).length;
    // Anything else at the sink (neither expected nor a listed absentee) is unexpected too.
    const others = counts.size - expected - unexpected;
    process.send?.({ verified: { total, duplicates, missing, unexpected: unexpected + others } });
  }
});
