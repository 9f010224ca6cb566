"""A TCP forwarder the tests can cut, to take the real database away from real processes.

Patching the cursor shows what one process does with an error it is handed; it cannot show what
a web server and a worker do when PostgreSQL really goes: their open connections die under them,
new ones are refused, and when it comes back they must find it again by themselves. The child
processes reach PostgreSQL through this proxy, and the test cuts it and restores it.
"""

import socket
import threading


class TcpProxy:
    """Listens on 127.0.0.1:`port` and forwards each connection to `target` (host, port).

    `cut()` is the database going down: every forwarded connection is closed on both sides at
    once, and the port stops listening, so new connections are refused. `restore()` listens
    again on the same port.
    """

    def __init__(self, target):
        self.target = target
        self.port = None
        self.connections = 0  # accepted since the start, for the tests' own checks
        self._lock = threading.Lock()
        self._listener = None
        self._open = set()
        self.restore()

    def restore(self):
        listener = socket.create_server(("127.0.0.1", self.port or 0))  # SO_REUSEADDR is set
        self.port = listener.getsockname()[1]
        with self._lock:
            self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self):
        with self._lock:
            listener, self._listener = self._listener, None
            sockets, self._open = self._open, set()
        if listener is not None:
            # On Linux, shutting a listening socket down wakes the thread blocked in accept().
            listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        for sock in sockets:
            self._close(sock)

    close = cut

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                server = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self._lock:
                if self._listener is not listener:  # cut meanwhile
                    self._close(client)
                    self._close(server)
                    return
                self._open |= {client, server}
                self.connections += 1
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        # One side hung up (or the proxy was cut): so does the other.
        with self._lock:
            self._open -= {source, sink}
        self._close(source)
        self._close(sink)

    @staticmethod
    def _close(sock):
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # already closed or never connected
        sock.close()
