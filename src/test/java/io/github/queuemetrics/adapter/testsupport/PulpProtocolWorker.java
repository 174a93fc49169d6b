package io.github.queuemetrics.adapter.testsupport;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small worker that follows pulpcore-worker's protocol on the test database, so counts move as
 * they do in Pulp:
 * <ul>
 *   <li>registers a heartbeat row named {@code pid@hostname} (core_appstatus with app_type worker
 *       and ttl 30 s, or core_worker) and beats every {@code heartbeat};</li>
 *   <li>current layout: unblocks waiting tasks (sets {@code unblocked_at}) in {@code pulp_created}
 *       order when no earlier incomplete task holds their resources, under one advisory lock for
 *       all workers, as Pulp's {@code unblock_tasks}; old layout: checks the resources itself;</li>
 *   <li>picks a runnable task with the lock Pulp uses. Current layout (3.86+): one
 *       {@code UPDATE core_task SET app_lock_id = me WHERE pulp_id IN (SELECT ... unblocked_at IS NOT
 *       NULL AND app_lock_id IS NULL ORDER BY immediate DESC, pulp_created + 8 s * random() LIMIT 1
 *       FOR UPDATE SKIP LOCKED) RETURNING}, as Pulp's {@code fetch_task}. Old layout: the first
 *       task in {@code pulp_created} order whose per-task session advisory lock it gets
 *       ({@code pg_try_advisory_lock} on the uuid folded to 63 bits), re-read under the lock and
 *       linked by {@code worker_id}. Then it marks the task running with {@code started_at};</li>
 *   <li>runs it for {@code taskTime}, marks it completed with {@code finished_at} and releases the
 *       lock (clears {@code app_lock_id}, or the advisory lock); on a graceful stop it finishes the running task and deletes its heartbeat row, as
 *       Pulp's shutdown does; {@link #crash()} just stops (the heartbeat goes stale).</li>
 * </ul>
 * Count-changing steps go through the {@link PulpTasking} gate, so a test can freeze the system.
 */
public final class PulpProtocolWorker implements AutoCloseable {

    private static final long UNBLOCK_LOCK = 0x7155_0001L;
    private static final String INCOMPLETE = PulpTaskRows.INCOMPLETE;

    private final PulpTasking tasking;
    private final String name;
    private final Duration taskTime;
    private final Duration heartbeat;
    private final boolean current;
    private final Connection connection;
    private final AtomicInteger finished = new AtomicInteger();
    private final Thread loop;
    private final Thread beats;
    private volatile boolean stopping;
    private volatile boolean crashed;
    private volatile String runningTask;

    public PulpProtocolWorker(PulpTasking tasking, String name, Duration taskTime, Duration heartbeat)
            throws SQLException {
        this.tasking = tasking;
        this.name = name;
        this.taskTime = taskTime;
        this.heartbeat = heartbeat;
        this.current = tasking.db().layout() == PulpDatabase.Layout.CURRENT;
        this.connection = DriverManager.getConnection(tasking.db().jdbcUrl(), "postgres", null);
        update(current ? "INSERT INTO core_appstatus (app_type, name, ttl) VALUES ('worker', ?, interval '30 seconds')"
                : "INSERT INTO core_worker (name) VALUES (?)", name);
        this.loop = new Thread(this::work, "pulp-worker-" + name);
        this.beats = new Thread(this::beat, "pulp-heartbeat-" + name);
        loop.setDaemon(true);
        beats.setDaemon(true);
        loop.start();
        beats.start();
    }

    public String name() {
        return name;
    }

    /** The pulp_id of the task it runs now, or null. */
    public String runningTask() {
        return runningTask;
    }

    public int finished() {
        return finished.get();
    }

    private void work() {
        try {
            while (!stopping && !crashed) {
                String[] claimed = new String[1];
                tasking.step(() -> {
                    if (current) {
                        unblock();
                    }
                    claimed[0] = claim();
                    runningTask = claimed[0]; // inside the step: a frozen test sees the table and this agree
                });
                if (claimed[0] == null) {
                    Thread.sleep(20);
                    continue;
                }
                long until = System.nanoTime() + taskTime.toNanos();
                while (System.nanoTime() < until && !crashed) {
                    Thread.sleep(10);
                }
                if (crashed) {
                    return;
                }
                tasking.step(() -> {
                    update("UPDATE core_task SET state = 'completed', finished_at = now() WHERE pulp_id = ?::uuid",
                            claimed[0]);
                    release(claimed[0]);
                    runningTask = null;
                });
                finished.incrementAndGet();
            }
            if (!crashed) {
                // Django's on_delete=SET_NULL, done by Django before the DELETE (the constraint itself is plain)
                update(current ? "UPDATE core_task SET app_lock_id = NULL WHERE app_lock_id ="
                        + " (SELECT pulp_id FROM core_appstatus WHERE app_type = 'worker' AND name = ?)"
                        : "UPDATE core_task SET worker_id = NULL WHERE worker_id ="
                        + " (SELECT pulp_id FROM core_worker WHERE name = ?)", name);
                update(current ? "DELETE FROM core_appstatus WHERE app_type = 'worker' AND name = ?"
                        : "DELETE FROM core_worker WHERE name = ?", name);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (SQLException e) {
            if (!crashed) {
                throw new IllegalStateException("Pulp protocol worker " + name + ": " + e.getMessage(), e);
            }
        }
    }

    private void beat() {
        try (Connection c = DriverManager.getConnection(tasking.db().jdbcUrl(), "postgres", null);
             PreparedStatement st = c.prepareStatement(current
                     ? "UPDATE core_appstatus SET last_heartbeat = now() WHERE app_type = 'worker' AND name = ?"
                     : "UPDATE core_worker SET last_heartbeat = now() WHERE name = ?")) {
            st.setString(1, name);
            while (!crashed && loop.isAlive()) {
                st.executeUpdate();
                Thread.sleep(heartbeat.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (SQLException e) {
            // the database went away: Pulp's worker stops too
        }
    }

    /** Pulp's unblock: one worker at a time; canceling tasks hold nothing. */
    private void unblock() throws SQLException {
        if (!tryLock(UNBLOCK_LOCK)) {
            return;
        }
        try {
            PulpTaskRows.Resources taken = new PulpTaskRows.Resources();
            for (PulpTaskRows.Row t : PulpTaskRows.incomplete(connection, current)) {
                if (t.state().equals("waiting") && !t.unblocked() && taken.free(t.resources())) {
                    update("UPDATE core_task SET unblocked_at = now() WHERE pulp_id = ?::uuid", t.id());
                }
                if (!t.state().equals("canceling")) {
                    taken.take(t.resources());
                }
            }
        } finally {
            unlockKey(UNBLOCK_LOCK);
        }
    }

    /** A runnable task locked by this worker and marked running; null when none. */
    private String claim() throws SQLException {
        if (!current) {
            return claimWithAdvisoryLock();
        }
        String id = null;
        String state = null;
        try (PreparedStatement st = connection.prepareStatement("UPDATE core_task SET app_lock_id ="
                + " (SELECT pulp_id FROM core_appstatus WHERE app_type = 'worker' AND name = ?)"
                + " WHERE pulp_id IN (SELECT pulp_id FROM core_task WHERE " + INCOMPLETE
                + " AND unblocked_at IS NOT NULL AND app_lock_id IS NULL"
                + " ORDER BY immediate DESC, pulp_created + interval '8 seconds' * random() LIMIT 1"
                + " FOR UPDATE SKIP LOCKED) RETURNING pulp_id::text, state")) {
            st.setString(1, name);
            try (ResultSet rs = st.executeQuery()) {
                if (rs.next()) {
                    id = rs.getString(1);
                    state = rs.getString(2);
                }
            }
        }
        if (id == null) {
            return null;
        }
        if (!state.equals("waiting")) { // an abandoned running task: this small worker never leaves one
            release(id);
            return null;
        }
        update("UPDATE core_task SET state = 'running', started_at = now() WHERE pulp_id = ?::uuid", id);
        return id;
    }

    /** Pulp before app_lock: the first runnable task whose advisory lock this worker gets. */
    private String claimWithAdvisoryLock() throws SQLException {
        PulpTaskRows.Resources taken = new PulpTaskRows.Resources();
        for (PulpTaskRows.Row t : PulpTaskRows.incomplete(connection, current)) {
            boolean runnable = t.state().equals("waiting") && taken.free(t.resources());
            taken.take(t.resources());
            if (!runnable || !tryLock(key(t.id()))) {
                continue;
            }
            // Re-read under the lock: another worker may have run it meanwhile.
            int claimed = update("UPDATE core_task SET state = 'running', started_at = now(),"
                    + " worker_id = (SELECT pulp_id FROM core_worker WHERE name = ?)"
                    + " WHERE pulp_id = ?::uuid AND state = 'waiting'", name, t.id());
            if (claimed == 1) {
                return t.id();
            }
            unlock(t.id());
        }
        return null;
    }

    /** Pulp's task lock key: the uuid's two halves xor-ed, made non-negative. */
    static long key(String taskId) {
        UUID u = UUID.fromString(taskId);
        return (u.getMostSignificantBits() ^ u.getLeastSignificantBits()) & Long.MAX_VALUE;
    }

    private boolean tryLock(long key) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
            st.setLong(1, key);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private void unlock(String taskId) throws SQLException {
        unlockKey(key(taskId));
    }

    /** Current Pulp clears the task's app_lock when done with it; older Pulp frees the advisory lock. */
    private void release(String taskId) throws SQLException {
        if (current) {
            update("UPDATE core_task SET app_lock_id = NULL WHERE pulp_id = ?::uuid", taskId);
        } else {
            unlock(taskId);
        }
    }

    private void unlockKey(long key) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement("SELECT pg_advisory_unlock(?)")) {
            st.setLong(1, key);
            st.executeQuery().close();
        }
    }

    private int update(String sql, String... args) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                st.setString(i + 1, args[i]);
            }
            return st.executeUpdate();
        }
    }

    /** Pulp's graceful shutdown (SIGTERM): no new task, the running one finishes, the row goes. */
    public void stopGracefully(Duration timeout) throws InterruptedException {
        stopping = true;
        loop.join(timeout.toMillis());
        beats.join(timeout.toMillis());
    }

    /** SIGKILL: the thread stops where it is; the heartbeat row stays and goes stale. */
    public void crash() throws InterruptedException {
        crashed = true;
        loop.join(5000);
        beats.join(5000);
        try {
            connection.close(); // the session's advisory locks go with it, as when a process dies
        } catch (SQLException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (!crashed) {
            crash();
        }
    }
}
