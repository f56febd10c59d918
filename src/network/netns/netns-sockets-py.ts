// The program of netns-sockets.ts's helper, in Python: Node cannot setns(2) itself, and Python's
// standard library can (ctypes), pass descriptors (socket.send_fds) and is a fixed cost per
// node, where a Node.js broker started in each pod's namespace cost a process per pod. It speaks
// Node's IPC channel protocol (NODE_CHANNEL_FD, one JSON message a line; a descriptor rides with
// a NODE_HANDLE message and waits for NODE_HANDLE_ACK before the next), so the parent receives
// a net.Server, dgram.Socket or connected net.Socket as from any Node child. Connects are
// non-blocking and wait in one select loop, so a slow one holds up no other request. Kept as a
// string: the build (tsc) copies no other files into dist/.

export const NETNS_SOCKETS_PY = String.raw`
import ctypes, errno, json, os, selectors, socket, sys, threading, time
from collections import deque

CLONE_NEWNET = 0x40000000
libc = ctypes.CDLL(None, use_errno=True)
chan = socket.socket(fileno=int(os.environ['NODE_CHANNEL_FD']))
sel = selectors.DefaultSelector()
sel.register(chan, selectors.EVENT_READ)
buf = b''
outbox = deque()  # (message, socket to hand over or None), in order
unacked = None    # the last handed over, until Node acknowledges it
dialing = {}      # socket -> (request, deadline)


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


def in_netns(path, make):
    """make() run in the namespace at path (its socket stays there, whoever holds it), on a thread
    that enters it and ends there: setns() is per thread, and this process's own namespace may be
    one it could not enter again (the rootless up stays in the host's, which its user namespace
    may not setns() into)."""
    out = {}

    def run():
        try:
            ns = os.open(path, os.O_RDONLY)
            try:
                setns(ns)
            finally:
                os.close(ns)
            out['socket'] = make()
        except OSError as e:
            out['error'] = e

    t = threading.Thread(target=run)
    t.start()
    t.join()
    if 'error' in out:
        raise out['error']
    return out['socket']


def new_socket(req, kind):
    return socket.socket(socket.AF_INET6 if ':' in req['host'] else socket.AF_INET, kind)


def bound(req):
    tcp = req['op'] == 'listen'
    s = new_socket(req, socket.SOCK_STREAM if tcp else socket.SOCK_DGRAM)
    try:
        if tcp:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as libuv does
        s.bind((req['host'], req['port']))
        if tcp:
            s.listen(511)
    except BaseException:
        s.close()
        raise
    return s


def dial(req):
    s = new_socket(req, socket.SOCK_STREAM)
    s.setblocking(False)
    err = s.connect_ex((req['host'], req['port']))
    if err not in (0, errno.EINPROGRESS):
        s.close()
        raise OSError(err, os.strerror(err))
    return s


def fail(req, err, strerror):
    code = errno.errorcode.get(err, 'EIO')
    where = f"{req['host']}:{req['port']}"
    # Node's wording: "connect ECONNREFUSED 10.0.0.1:80", "listen EADDRINUSE: address already in use 10.0.0.1:80".
    text = f"connect {code} {where}" if req['op'] == 'connect' else f"{'listen' if req['op'] == 'listen' else 'bind'} {code}: {strerror.lower()} {where}"
    outbox.append(({'id': req['id'], 'error': text, 'code': code}, None))


def hand_over(req, s):
    kind = {'listen': 'net.Server', 'udp': 'dgram.Socket', 'connect': 'net.Socket'}[req['op']]
    msg = {'cmd': 'NODE_HANDLE', 'type': kind, 'msg': {'id': req['id'], 'port': s.getsockname()[1]}}
    if kind == 'dgram.Socket':
        msg['dgramType'] = 'udp6' if s.family == socket.AF_INET6 else 'udp4'
    outbox.append((msg, s))


def serve(req):
    try:
        if req['op'] != 'connect':
            return hand_over(req, in_netns(req['netns'], lambda: bound(req)))
        s = in_netns(req['netns'], lambda: dial(req))
    except OSError as e:
        return fail(req, e.errno, e.strerror)
    dialing[s] = (req, time.monotonic() + req['timeoutMs'] / 1000)
    sel.register(s, selectors.EVENT_WRITE)


def dialled(s, err):
    req, _ = dialing.pop(s)
    sel.unregister(s)
    if err:
        s.close()
        fail(req, err, os.strerror(err))
    else:
        hand_over(req, s)  # still non-blocking, as libuv wants it


def received(m):
    global unacked
    cmd = m.get('cmd')
    if cmd == 'NODE_HANDLE_ACK':
        unacked[1].close()  # Node holds its own copy now
        unacked = None
    elif cmd == 'NODE_HANDLE_NACK':
        outbox.appendleft(unacked)
        unacked = None
    elif cmd is None:
        serve(m)


def flush():
    global unacked
    while unacked is None and outbox:
        msg, s = outbox.popleft()
        if s is None:
            send(msg)
        else:
            send(msg, s.fileno())
            unacked = (msg, s)


while True:
    soonest = min((d for _, d in dialing.values()), default=None)
    for key, _ in sel.select(None if soonest is None else max(0, soonest - time.monotonic())):
        if key.fileobj is not chan:
            dialled(key.fileobj, key.fileobj.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR))
            continue
        data = chan.recv(65536)
        if not data:
            sys.exit(0)  # the parent is gone
        buf += data
        while b'\n' in buf:
            line, buf = buf.split(b'\n', 1)
            received(json.loads(line))
    now = time.monotonic()
    for s, (_, deadline) in list(dialing.items()):
        if deadline <= now:
            dialled(s, errno.ETIMEDOUT)
    flush()
`;
