// A container's volumes at their mountPaths on the netns network, without touching the host's
// filesystem. `ip netns exec` already gives the container a private mount namespace (a slave
// of the host's: nothing mounted in it propagates back). In it, this shell script builds the
// container's root as a recursive bind of / on a tmpfs in the pod's own directory, mounts each
// volume there and chroots into it. A mountPath that does not exist gets its nearest existing
// parent covered by an overlay (lower: that directory, upper: the tmpfs), so the mount point is
// created in the overlay only; the mounts the overlay hides below that parent are bound again.
// Symlinks in a mountPath (/var/run → /run) are resolved inside the new root first.

import { hostTool } from './host-tool.js';

export interface ContainerMount {
  /** Where the container sees it. */
  mountPath: string;
  /** The volume's path on the node. */
  source: string;
  readOnly: boolean;
}

const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** The script; its positional parameters are the container's cwd and argv. */
export function mountScript(privateDir: string, mounts: ContainerMount[]): string {
  const lines = [
    'set -e',
    // The node's tools build the root (the container's PATH may hold busybox's applets first);
    // the container's own PATH is given back for its command.
    'CONTAINER_PATH=$PATH',
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    `P=${q(privateDir)}`,
    // The mount points to restore under an overlay, before any of ours exists.
    "M=$(awk '{print $5}' /proc/self/mountinfo)",
    // Made here, not by the agent as the container starts.
    'mkdir -p "$P"',
    'mount -t tmpfs tinykube-pod "$P"',
    'R="$P/root"',
    'mkdir "$R"',
    'mount --rbind / "$R"',
    'OVL=""',
    'covered() { d=$(stat -c %d "$R$1"); for o in $OVL; do [ "$o" = "$d" ] && return 0; done; return 1; }',
    'overlay() {',
    '  mkdir -p "$P/upper$2" "$P/work$2"',
    '  mount -t overlay tinykube-overlay -o "lowerdir=$R$1,upperdir=$P/upper$2,workdir=$P/work$2" "$R$1"',
    '  for m in $M; do',
    '    case "$m" in "$P"|"$P"/*) continue ;; esac',
    '    if [ "$1" = / ]; then [ "$m" = / ] && continue; else case "$m" in "$1"/*) ;; *) continue ;; esac; fi',
    '    mount --bind "$m" "$R$m" 2>/dev/null || true',
    '  done',
    '  OVL="$OVL $(stat -c %d "$R$1")"',
    '}',
  ];
  // First the overlays, shallowest first: one at / also covers /etc, but one at /etc made
  // before it would be hidden by it.
  // One realpath for all of them; parents by parameter expansion: every process counts here.
  lines.push(
    'A=""',
    `{ ${mounts.map((_, i) => `read -r t${i};`).join(' ')} } <<EOF`,
    `$(chroot "$R" realpath -m ${mounts.map((m) => q(m.mountPath)).join(' ')})`,
    'EOF',
    'parent() { a=${1%/*}; a=${a:-/}; }',
  );
  mounts.forEach((_, i) => {
    lines.push(`if [ ! -e "$R$t${i}" ]; then parent "$t${i}"; while [ ! -e "$R$a" ]; do parent "$a"; done; A="$A $a"; fi`);
  });
  lines.push(
    'n=0',
    'if [ -n "$A" ]; then',
    '  while read -r l a; do',
    '    covered "$a" || overlay "$a" $n',
    '    n=$((n+1))',
    '  done <<EOF',
    '$(for a in $A; do echo "${#a} $a"; done | sort -n)',
    'EOF',
    'fi',
  );
  mounts.forEach((m, i) => {
    lines.push(`mkdir -p "$R$t${i}"`, `mount --rbind ${q(m.source)} "$R$t${i}"`);
    if (m.readOnly) lines.push(`mount -o remount,bind,ro "$R$t${i}"`);
  });
  // The marker sits beside the tmpfs, on the node's own filesystem, so the node sees it.
  lines.push('cwd=$1', 'shift', ': > "$P.ready"', 'exec chroot "$R" env --chdir="$cwd" PATH="$CONTAINER_PATH" "$@"');
  return lines.join('\n');
}

/** Made by the script once the mounts are in place, just before it runs the command: exec waits
 *  for it, as a runtime enters a container only after its mounts are made. */
export const mountsReadyMarker = (privateDir: string): string => `${privateDir}.ready`;

/** The argv that runs `argv` in `cwd` with the mounts (inside the pod's network namespace). */
export function withMounts(privateDir: string, mounts: ContainerMount[], cwd: string, argv: string[]): string[] {
  return [hostTool('sh'), '-c', mountScript(privateDir, mounts), 'tinykube-mounts', cwd, ...argv];
}
