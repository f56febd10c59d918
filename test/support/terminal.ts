// A terminal for tests of one closed (SIGHUP), run as `python3 -c TERMINAL ARGV...`: runs argv
// (looked up on PATH) on a new pseudo-terminal (its controlling terminal, as a login shell's
// job), copies what it writes to stdout, and hangs up (closes the master) when stdin closes. Exits
// with argv's exit code (128 + signal if a signal ended it).
export const TERMINAL = `
import os, pty, select, sys
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
while True:
    r, _, _ = select.select([fd, 0], [], [])
    if 0 in r and not os.read(0, 1):
        break
    if fd in r:
        try:
            data = os.read(fd, 65536)
        except OSError:
            data = b''
        if not data:
            break
        os.write(1, data)
os.close(fd)
_, status = os.waitpid(pid, 0)
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)
`;
