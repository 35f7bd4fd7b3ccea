import { createExampleApp } from './app.js';
import { freePort } from './free-port.js';

// PORT=0 picks a free port.
const wanted = Number(process.env.PORT ?? 3000);
const port = wanted === 0 ? await freePort() : wanted;
const { app } = await createExampleApp({ baseUrl: `http://localhost:${port}/gdpr` });
// SIGINT / SIGTERM close the app, and with it the gdpr-mail store and transport.
app.enableShutdownHooks();
await app.listen(port);
console.log(`Acme Garden (gdpr-mail Nest example) on http://localhost:${port}/`);
console.log(`  sign up:   http://localhost:${port}/gdpr/signup`);
console.log(`  dev inbox: http://localhost:${port}/dev/inbox`);
