import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../test/support/fake-clock.js';
import { TOKEN_FILE_REREAD_MS, tokenFromFile } from './token-file.js';

describe('tokenFromFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'token-file-'));
  const file = join(dir, 'token');
  afterEach(() => rmSync(file, { force: true }));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

  /** As the kubelet's atomic writer: a new file renamed over the old one. */
  const rotate = (token: string): void => {
    writeFileSync(`${file}.new`, token);
    renameSync(`${file}.new`, file);
  };

  it('reads the file again once a minute has passed, not before', () => {
    const clock = new FakeClock();
    rotate('first\n');
    const token = tokenFromFile(file, clock);
    assert.equal(token(), 'first');
    rotate('second');
    clock.advance(TOKEN_FILE_REREAD_MS - 1);
    assert.equal(token(), 'first');
    clock.advance(1);
    assert.equal(token(), 'second');
  });

  it('keeps the last token while the file is missing or empty, and takes the next one', () => {
    const clock = new FakeClock();
    rotate('first');
    const token = tokenFromFile(file, clock);
    assert.equal(token(), 'first');
    rmSync(file);
    clock.advance(TOKEN_FILE_REREAD_MS);
    assert.equal(token(), 'first');
    rotate('');
    clock.advance(TOKEN_FILE_REREAD_MS);
    assert.equal(token(), 'first');
    rotate('third');
    clock.advance(TOKEN_FILE_REREAD_MS);
    assert.equal(token(), 'third');
  });

  it('fails when there has never been a token', () => {
    assert.throws(() => tokenFromFile(join(dir, 'absent'), new FakeClock())(), { code: 'ENOENT' });
    rotate('  \n');
    assert.throws(() => tokenFromFile(file, new FakeClock())(), /is empty/);
  });
});
