import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkExecutable } from './executable.js';

describe('checkExecutable', () => {
  it('finds commands on PATH and absolute paths', () => {
    checkExecutable('sh', '/nonexistent:/bin:/usr/bin');
    checkExecutable(process.execPath);
  });

  it("gives the runtime's messages for what cannot start", () => {
    assert.throws(() => checkExecutable('no-such-tool', '/bin:/usr/bin'), { message: 'exec: "no-such-tool": executable file not found in $PATH' });
    assert.throws(() => checkExecutable('/no/such/tool'), { message: 'exec: "/no/such/tool": stat /no/such/tool: no such file or directory' });
    // A directory is not a command.
    assert.throws(() => checkExecutable('/usr'), /no such file or directory/);
  });
});
