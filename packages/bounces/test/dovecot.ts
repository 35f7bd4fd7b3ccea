// A throwaway Dovecot (Debian's dovecot-imapd) on a loopback port: its own
// config, passwd-file user and maildir under a temp dir, stopped by close().
// Shared by the tests and the reader child process (which must not import vitest).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { access, chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, Socket } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export const DOVECOT_BIN = '/usr/sbin/dovecot';
export const IMAP_USER = 'bounces';
export const IMAP_PASS = 'throwaway-imap-password';

export interface Dovecot {
  host: string;
  port: number;
  dir: string;
  close(): Promise<void>;
}

export async function dovecotInstalled(): Promise<void> {
  try {
    await access(DOVECOT_BIN);
  } catch {
    throw new Error(`${DOVECOT_BIN} not found (apt-get install -y dovecot-imapd)`);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.connect(port, '127.0.0.1');
  });
}

function ids(user: string): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

/**
 * Starts Dovecot in the foreground as a child process. As root (CI), the login
 * process runs as Debian's `dovenull` and mail is owned by the `dovecot` user
 * (Dovecot refuses uid 0 for both); otherwise everything runs as this user.
 */
export async function startDovecot(): Promise<Dovecot> {
  const dir = await mkdtemp(join(tmpdir(), 'gm-dovecot-'));
  // The unprivileged login process must reach the sockets under run/.
  await chmod(dir, 0o755);
  const mail = join(dir, 'mail');
  await mkdir(mail);
  const root = process.getuid?.() === 0;
  const me = userInfo().username;
  const owner = root ? ids('dovecot') : { uid: userInfo().uid, gid: userInfo().gid };
  if (root) await chown(mail, owner.uid, owner.gid);
  const port = await freePort();
  await writeFile(join(dir, 'passwd'), `${IMAP_USER}:{PLAIN}${IMAP_PASS}\n`);
  const config = `
base_dir = ${dir}/run
state_dir = ${dir}/state
instance_name = gm-${port}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
log_path = ${dir}/dovecot.log
default_login_user = ${root ? 'dovenull' : me}
default_internal_user = ${root ? 'dovecot' : me}
default_internal_group = ${root ? 'dovecot' : userInfo().username}
first_valid_uid = 1
mail_location = maildir:${mail}/%u
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/passwd
}
userdb {
  driver = static
  args = uid=${owner.uid} gid=${owner.gid} home=${mail}/%u
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
`;
  await writeFile(join(dir, 'dovecot.conf'), config);
  const child: ChildProcess = spawn(DOVECOT_BIN, ['-F', '-c', join(dir, 'dovecot.conf')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  for (let i = 0; !(await accepts(port)); i++) {
    if (child.exitCode !== null || i > 200) {
      child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
      throw new Error(`dovecot did not start: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    host: '127.0.0.1',
    port,
    dir,
    async close() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
