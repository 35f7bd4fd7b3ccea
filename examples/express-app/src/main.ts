import { createExampleApp } from './app.js';

const port = Number(process.env.PORT ?? 3000);
const { app, gdpr } = createExampleApp({ baseUrl: `http://localhost:${port}/gdpr` });

const server = app.listen(port, () => {
  console.log(`Acme Garden (gdpr-mail example) on http://localhost:${port}/`);
  console.log(`  sign up:   http://localhost:${port}/gdpr/signup`);
  console.log(`  dev inbox: http://localhost:${port}/dev/inbox`);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close(() => {
      void gdpr.close().then(() => process.exit(0));
    });
  });
}
