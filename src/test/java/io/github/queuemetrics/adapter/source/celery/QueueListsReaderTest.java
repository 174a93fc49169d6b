package io.github.queuemetrics.adapter.source.celery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class QueueListsReaderTest {

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** What the head script answers for {@code m}: its last 48 bytes, or all of it. */
    private static byte[] fingerprint(byte[] m) {
        if (m.length <= QueueListsReader.TAIL_BYTES) {
            return QueueListsReader.fingerprint(m.length, m);
        }
        byte[] sample = new byte[QueueListsReader.TAIL_BYTES];
        System.arraycopy(m, m.length - QueueListsReader.TAIL_BYTES, sample, 0, QueueListsReader.TAIL_BYTES);
        return QueueListsReader.fingerprint(m.length, sample);
    }

    @Test
    void fingerprintTellsMessagesApartAndStaysSmall() {
        String body = "{\"body\": \"" + "A".repeat(5000) + "\", \"properties\": {\"delivery_tag\": \"";
        byte[] m1 = b(body + "11111111-1111-1111-1111-111111111111\"}}");
        byte[] m2 = b(body + "22222222-2222-2222-2222-222222222222\"}}");
        byte[] longer = b(body + "A" + "11111111-1111-1111-1111-111111111111\"}}");
        assertThat(QueueListsReader.sameHead(fingerprint(m1), fingerprint(m1.clone()))).isTrue();
        assertThat(QueueListsReader.sameHead(fingerprint(m1), fingerprint(m2))).as("another delivery_tag").isFalse();
        assertThat(QueueListsReader.sameHead(fingerprint(m1), fingerprint(longer))).as("another length").isFalse();
        assertThat(fingerprint(m1)).hasSize(8 + 48);
        assertThat(fingerprint(b("x"))).hasSize(9);
    }

    @Test
    void planGroupsEachQueuesListsInKombuOrder() {
        QueueListsReader.Plan plan = new QueueListsReader.Plan(List.of("a", "b"),
                new CeleryRedisKeys(List.of(0, 3, 6, 9), "\u0006\u0016", "p:"));
        assertThat(plan.firstList).containsExactly(0, 4, 8);
        assertThat(plan.listKeys).containsExactly("p:a", "p:a\u0006\u00163", "p:a\u0006\u00166", "p:a\u0006\u00169",
                "p:b", "p:b\u0006\u00163", "p:b\u0006\u00166", "p:b\u0006\u00169");
        assertThat(new String(plan.keyBytes[5], StandardCharsets.UTF_8)).isEqualTo("p:b\u0006\u00163");
    }
}
