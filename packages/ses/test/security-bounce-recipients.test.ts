import { beforeAll, describe, expect, it } from 'vitest';
import { permanentBounce, setupSesWebhook, snsNotification, snsRequest } from './sns-fixtures.js';
import { createSnsSigner, type SnsSigner } from './sns-signer.js';

let signer: SnsSigner;
beforeAll(async () => {
  signer = await createSnsSigner();
});

describe('#19 finding 8: one bad address in an SES bounce does not drop the notification', () => {
  it('REQ-28: suppresses the valid recipient, reports the malformed one as rejected, answers 200 (no SNS retry loop)', async () => {
    const { gdpr, handler } = setupSesWebhook(signer);
    const body = signer.sign(
      snsNotification(permanentBounce(['valid@example.org', 'not an address', 'b@example.org'])),
    );
    const response = await handler.handle(snsRequest(body));
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body ?? '{}')).toEqual({
      outcomes: ['suppressed', 'rejected', 'suppressed'],
      rejected: 1,
    });
    // The rejected address is never echoed back.
    expect(response.body).not.toContain('not an address');
    expect((await gdpr.suppression.check('valid@example.org'))?.reason).toBe('hard-bounce');
    expect((await gdpr.suppression.check('b@example.org'))?.reason).toBe('hard-bounce');
  });

  it('SNS redelivering the same notification changes nothing more and still answers 200', async () => {
    const { gdpr, handler } = setupSesWebhook(signer);
    const body = signer.sign(
      snsNotification(permanentBounce(['two@@example.org', 'ok@example.org'])),
    );
    expect((await handler.handle(snsRequest(body))).status).toBe(200);
    let entries = 0;
    for await (const _ of gdpr.audit.entries()) entries += 1;
    const replay = await handler.handle(snsRequest(body));
    expect(replay.status).toBe(200);
    expect(JSON.parse(replay.body ?? '{}')).toEqual({
      outcomes: ['rejected', 'already-suppressed'],
      rejected: 1,
    });
    let after = 0;
    for await (const _ of gdpr.audit.entries()) after += 1;
    expect(after).toBe(entries);
  });

  it('a recipient without an address string is reported as rejected too, beside a valid one', async () => {
    const { gdpr, handler } = setupSesWebhook(signer);
    const notification = permanentBounce(['valid@example.org']);
    const malformed = {
      ...notification,
      bounce: {
        ...notification.bounce,
        bouncedRecipients: [
          { emailAddress: 42, action: 'failed', status: '5.1.1' },
          ...notification.bounce.bouncedRecipients,
        ],
      },
    };
    const response = await handler.handle(snsRequest(signer.sign(snsNotification(malformed))));
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body ?? '{}')).toEqual({
      outcomes: ['rejected', 'suppressed'],
      rejected: 1,
    });
    expect((await gdpr.suppression.check('valid@example.org'))?.reason).toBe('hard-bounce');
  });

  it('a complaint with only malformed recipients answers 200 with every one rejected', async () => {
    const { handler } = setupSesWebhook(signer);
    const complaint = {
      notificationType: 'Complaint',
      complaint: {
        complainedRecipients: [{ emailAddress: 'a b@example.org' }, { emailAddress: '' }],
        complaintFeedbackType: 'abuse',
      },
      mail: { messageId: 'm-complaint' },
    };
    const response = await handler.handle(snsRequest(signer.sign(snsNotification(complaint))));
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body ?? '{}')).toEqual({
      outcomes: ['rejected', 'rejected'],
      rejected: 2,
    });
  });
});
