package io.github.queuemetrics.adapter.testsupport;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Pulp's tasking as the tests drive it: a dispatcher that inserts tasks as Pulp's API does, the
 * protocol workers ({@link PulpProtocolWorker}) that run them, and a gate that freezes both.
 *
 * <p>Every step that changes counts (dispatch, unblock, claim, finish) holds the gate's read lock;
 * {@link #freeze()} takes the write lock, so while frozen nothing moves except heartbeats, and a
 * test can compare what the adapter serves with SQL counts of the same, unchanging, table.
 */
public final class PulpTasking implements AutoCloseable {

    private final PulpDatabase db;
    private final ReentrantReadWriteLock gate = new ReentrantReadWriteLock(true);
    private final Connection dispatcher;

    public PulpTasking(PulpDatabase db) throws SQLException {
        this.db = db;
        this.dispatcher = DriverManager.getConnection(db.jdbcUrl(), "postgres", null);
    }

    public PulpDatabase db() {
        return db;
    }

    /**
     * A waiting task as Pulp's dispatch leaves it: not unblocked yet (workers decide), with its
     * reserved resources ({@code shared:} prefix for a shared one), in the default domain.
     */
    public void dispatch(String taskName, String... resources) throws SQLException {
        step(() -> {
            boolean current = db.layout() == PulpDatabase.Layout.CURRENT;
            try (PreparedStatement st = dispatcher.prepareStatement("INSERT INTO core_task (state, name,"
                    + " reserved_resources_record" + (current ? ", pulp_domain_id" : "") + ") VALUES ('waiting', ?, ?"
                    + (current ? ", (SELECT pulp_id FROM core_domain WHERE name = 'default')" : "") + ")")) {
                st.setString(1, taskName);
                st.setArray(2, dispatcher.createArrayOf("text", resources));
                st.executeUpdate();
            }
        });
    }

    /** Stops every change of counts until {@link #thaw()}; waits for the steps in flight to end. */
    public void freeze() {
        gate.writeLock().lock();
    }

    public void thaw() {
        gate.writeLock().unlock();
    }

    interface Step {
        void run() throws SQLException;
    }

    /** Runs one count-changing step unless frozen (then after the thaw). */
    void step(Step step) throws SQLException {
        gate.readLock().lock();
        try {
            step.run();
        } finally {
            gate.readLock().unlock();
        }
    }

    @Override
    public void close() throws SQLException {
        dispatcher.close();
    }
}
