// handleShutdown in a real child process: signals, stop order, exit codes.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const lifecycle = fileURLToPath(new URL('./lifecycle.ts', import.meta.url));

/**
 * Runs an app that registers two parts, prints "ready" while its start-up is still
 * pending, and never finishes starting; `stopB` is the body of the second part's stop.
 */
function runApp(stopB: string, timeoutMs = 5_000) {
  const script = `
    import { handleShutdown } from ${JSON.stringify(lifecycle)};
    const logger = { info() {}, warn() {}, error() {} };
    const app = handleShutdown(logger, ${timeoutMs});
    app.add({ name: 'a', stop: () => { process.stdout.write('stop a\\n'); } });
    app.add({ name: 'b', stop: async () => { process.stdout.write('stop b\\n'); ${stopB} } });
    process.stdout.write('ready\\n');
    await new Promise(() => setInterval(() => {}, 1_000));
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  const ready = new Promise<void>((resolve) =>
    child.stdout.on('data', (chunk) => {
      stdout += String(chunk);
      if (stdout.includes('ready')) resolve();
    }),
  );
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, ready, exited, stdout: () => stdout };
}

describe('handleShutdown', () => {
  it('stops the parts in reverse order and exits 0 on a SIGTERM during start-up', async () => {
    const app = runApp('');
    await app.ready;
    app.child.kill('SIGTERM');
    expect(await app.exited).toEqual({ code: 0, signal: null });
    expect(app.stdout()).toBe('ready\nstop b\nstop a\n');
  });

  it('still stops the other parts, and exits 1, when one part fails to stop', async () => {
    const app = runApp(`throw new Error('stuck');`);
    await app.ready;
    app.child.kill('SIGINT');
    expect(await app.exited).toEqual({ code: 1, signal: null });
    expect(app.stdout()).toBe('ready\nstop b\nstop a\n');
  });

  it('exits 1 when the parts take longer than the timeout', async () => {
    const app = runApp('await new Promise(() => {});', 200);
    await app.ready;
    app.child.kill('SIGTERM');
    expect(await app.exited).toEqual({ code: 1, signal: null });
    expect(app.stdout()).toBe('ready\nstop b\n');
  });

  it('exits 1 at once on a second signal', async () => {
    const app = runApp('await new Promise(() => {});', 60_000);
    await app.ready;
    app.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 100));
    app.child.kill('SIGTERM');
    expect(await app.exited).toEqual({ code: 1, signal: null });
  });

  it('stops at once a part that starts while the app is already stopping', async () => {
    const script = `
      import { handleShutdown } from ${JSON.stringify(lifecycle)};
      const logger = { info() {}, warn() {}, error() {} };
      const app = handleShutdown(logger, 5_000);
      app.add({ name: 'slow', stop: () => new Promise((resolve) => setTimeout(resolve, 300)) });
      process.stdout.write('ready\\n');
      process.once('SIGTERM', () =>
        setTimeout(() => app.add({ name: 'late', stop: () => { process.stdout.write('stop late\\n'); } }), 50),
      );
      setInterval(() => {}, 1_000);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    await new Promise<void>((resolve) =>
      child.stdout.on('data', (chunk) => {
        stdout += String(chunk);
        if (stdout.includes('ready')) resolve();
      }),
    );
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stdout).toBe('ready\nstop late\n');
  });
});
