package io.github.queuemetrics.adapter.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP forwarder between the adapter and a real broker port: {@link #block()} closes every
 * forwarded connection and stops listening (new connections are refused), {@link #unblock()}
 * listens again on the same port. A real outage as the adapter sees it, without touching the
 * brokers that other tests share. It also counts the bytes the broker sent through it
 * ({@link #bytesFromTarget()}): what the adapter had to read.
 *
 * <p>{@link #hang()} is the nastier outage: a broker (or a network path) that accepts and then
 * never answers. Open connections stop forwarding in both directions, new connections are
 * accepted and nothing is forwarded; no error ever reaches the client. {@link
 * #hangAfterUpstreamBytes(long)} lets each new connection receive its first bytes from the broker
 * (say, the protocol handshake) before it hangs. {@link #resume()} forwards again on new connections.
 */
public final class TcpProxy implements AutoCloseable {

    private final String targetHost;
    private final int targetPort;
    private final int port;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicLong fromTarget = new AtomicLong();
    /** True while every open connection swallows what it reads. */
    private volatile boolean hanging;
    /** Bytes a new connection forwards from the broker before it hangs; -1 = no limit. */
    private volatile long upstreamLimit = -1;
    private final AtomicLong lastUpstreamBytes = new AtomicLong();
    private ServerSocket listener;
    private Thread acceptor;

    public TcpProxy(String targetHost, int targetPort) throws IOException {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        ServerSocket first = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.port = first.getLocalPort();
        listen(first);
    }

    public int port() {
        return port;
    }

    /** Bytes forwarded from the target to the clients so far, over all connections. */
    public long bytesFromTarget() {
        return fromTarget.get();
    }

    /** Drops every connection and refuses new ones. */
    public synchronized void block() throws IOException {
        if (listener == null) {
            return;
        }
        listener.close();
        try {
            // an accept() racing with close() may still hand out a socket: let the acceptor end first
            acceptor.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        listener = null;
        for (Socket s : sockets) {
            s.close();
        }
        sockets.clear();
    }

    /** Open connections stop forwarding and new ones are accepted but never forwarded. */
    public void hang() {
        hanging = true;
    }

    /**
     * New connections forward the first {@code bytes} from the broker, then hang (both
     * directions); already open connections are not affected.
     */
    public void hangAfterUpstreamBytes(long bytes) {
        upstreamLimit = bytes;
    }

    /** Forwards normally again (connections that hung stay broken: their data was lost). */
    public void resume() {
        hanging = false;
        upstreamLimit = -1;
    }

    /** Bytes the broker sent on the most recent connection so far (to measure a handshake). */
    public long lastConnectionUpstreamBytes() {
        return lastUpstreamBytes.get();
    }

    /** Accepts connections again, on the same port. */
    public synchronized void unblock() throws IOException {
        if (listener != null) {
            return;
        }
        ServerSocket again = new ServerSocket();
        again.setReuseAddress(true);
        again.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        listen(again);
    }

    private void listen(ServerSocket server) {
        listener = server;
        acceptor = new Thread(() -> {
            while (!server.isClosed()) {
                Socket client;
                try {
                    client = server.accept();
                } catch (IOException e) {
                    return; // closed by block()
                }
                try {
                    sockets.add(client);
                    if (hanging) {
                        pump(client, null, null, false); // accepted, never forwarded
                        continue;
                    }
                    Socket upstream = new Socket(targetHost, targetPort);
                    sockets.add(upstream);
                    Connection conn = new Connection(upstreamLimit);
                    lastUpstreamBytes.set(0);
                    pump(client, upstream, conn, false);
                    pump(upstream, client, conn, true);
                } catch (IOException e) {
                    closeQuietly(client);
                }
            }
        }, "proxy-accept-" + port);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Per connection: how many broker bytes it may still forward before it hangs. */
    private static final class Connection {
        final long limit;
        long forwarded;
        volatile boolean hung;

        Connection(long limit) {
            this.limit = limit;
        }
    }

    /**
     * Copies {@code from} to {@code to} until either side closes. While hanging (or with no
     * {@code to}) it keeps reading and drops what it reads, so the sender sees no error.
     *
     * @param conn         the connection's state (null for one that is never forwarded)
     * @param fromUpstream true when {@code from} is the broker side
     */
    private void pump(Socket from, Socket to, Connection conn, boolean fromUpstream) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[65536];
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to == null ? null : to.getOutputStream();
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    int pass = conn == null || conn.hung ? 0 : n;
                    if (fromUpstream && conn.limit >= 0) {
                        pass = (int) Math.max(0, Math.min(pass, conn.limit - conn.forwarded));
                        conn.forwarded += pass;
                        if (conn.forwarded >= conn.limit) {
                            conn.hung = true;
                        }
                    }
                    if (fromUpstream) {
                        lastUpstreamBytes.addAndGet(pass);
                    }
                    if (out != null && !hanging && pass > 0) {
                        out.write(buffer, 0, pass);
                        if (fromUpstream) {
                            fromTarget.addAndGet(pass);
                        }
                        out.flush();
                    }
                }
            } catch (IOException ignored) {
                // one side went away
            } finally {
                closeQuietly(from);
                if (to != null) {
                    closeQuietly(to);
                }
            }
        }, "proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() throws IOException {
        block();
    }
}
