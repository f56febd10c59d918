// The program of netns-sockets.ts's helper, in Python: Node cannot setns(2) itself, and Python's
// standard library can (ctypes), pass descriptors (socket.send_fds) and is a fixed cost per
// node, where a Node.js broker started in each pod's namespace cost a process per pod. It speaks
// Node's IPC channel protocol (NODE_CHANNEL_FD, one JSON message a line; a descriptor rides with
// a NODE_HANDLE message and waits for NODE_HANDLE_ACK before the next), so the parent receives
// a net.Server or dgram.Socket as from any Node child. Kept as a string: the build (tsc) copies
// no other files into dist/.

export const NETNS_SOCKETS_PY = String.raw`
import ctypes, errno, json, os, socket, sys

CLONE_NEWNET = 0x40000000
libc = ctypes.CDLL(None, use_errno=True)
home = os.open('/proc/self/ns/net', os.O_RDONLY)
chan = socket.socket(fileno=int(os.environ['NODE_CHANNEL_FD']))
buf = b''
waiting = []


def receive():
    global buf
    while b'\n' not in buf:
        data = chan.recv(65536)
        if not data:
            sys.exit(0)  # the parent is gone
        buf += data
    line, buf = buf.split(b'\n', 1)
    return json.loads(line)


def send(msg, fd=None):
    data = (json.dumps(msg, separators=(',', ':')) + '\n').encode()
    if fd is None:
        chan.sendall(data)
    else:
        socket.send_fds(chan, [data], [fd])


def setns(fd):
    if libc.setns(fd, CLONE_NEWNET) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


def open_socket(req):
    """A socket made in req's namespace (it stays there, whoever holds it), this process back home."""
    tcp = req['op'] == 'listen'
    ns = os.open(req['netns'], os.O_RDONLY)
    try:
        setns(ns)
        try:
            s = socket.socket(socket.AF_INET6 if ':' in req['host'] else socket.AF_INET, socket.SOCK_STREAM if tcp else socket.SOCK_DGRAM)
            try:
                if tcp:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as libuv does
                s.bind((req['host'], req['port']))
                if tcp:
                    s.listen(511)
            except BaseException:
                s.close()
                raise
        finally:
            setns(home)
    finally:
        os.close(ns)
    return s


def hand_over(req, s):
    tcp = req['op'] == 'listen'
    msg = {'cmd': 'NODE_HANDLE', 'type': 'net.Server' if tcp else 'dgram.Socket', 'msg': {'id': req['id'], 'port': s.getsockname()[1]}}
    if not tcp:
        msg['dgramType'] = 'udp6' if s.family == socket.AF_INET6 else 'udp4'
    while True:
        send(msg, s.fileno())
        while True:
            r = receive()
            if r.get('cmd') in ('NODE_HANDLE_ACK', 'NODE_HANDLE_NACK'):
                break
            waiting.append(r)
        if r['cmd'] == 'NODE_HANDLE_ACK':
            return


while True:
    req = waiting.pop(0) if waiting else receive()
    if 'cmd' in req:
        continue
    try:
        s = open_socket(req)
    except OSError as e:
        code = errno.errorcode.get(e.errno, 'EIO')
        verb = 'listen' if req['op'] == 'listen' else 'bind'
        send({'id': req['id'], 'error': f"{verb} {code}: {e.strerror.lower()} {req['host']}:{req['port']}", 'code': code})
        continue
    with s:
        hand_over(req, s)
`;
