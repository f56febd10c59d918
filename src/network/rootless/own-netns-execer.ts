// Runs commands from a network namespace of the user namespace's own. The rootless `up` stays in
// the host's network namespace (its API and published ports are the host's), but `ip netns add`
// returns to the caller's namespace once it has made a new one, and the kernel refuses to enter
// the host's from inside the user namespace (setns: Operation not permitted). Started from a
// throwaway namespace of ours (`unshare --net`), it returns there instead.

import { NetnsExecer, type ExecResult, type Execer } from '../../util/execer.js';

export class OwnNetnsExecer implements Execer {
  private readonly inner = new NetnsExecer();

  run(argv: string[], stdin?: string): Promise<ExecResult> {
    return this.inner.run(['unshare', '--net', '--', ...argv], stdin);
  }
}
