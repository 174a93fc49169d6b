package io.github.queuemetrics.adapter.source.celery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class QueueListsReaderTest {

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void fingerprintTellsMessagesApartAndStaysSmall() {
        String body = "{\"body\": \"" + "A".repeat(5000) + "\", \"properties\": {\"delivery_tag\": \"";
        byte[] m1 = b(body + "11111111-1111-1111-1111-111111111111\"}}");
        byte[] m2 = b(body + "22222222-2222-2222-2222-222222222222\"}}");
        byte[] sameTailOtherBody = b(body.replace("AAAA", "AAAB") + "11111111-1111-1111-1111-111111111111\"}}");
        assertThat(QueueListsReader.sameHead(QueueListsReader.fingerprint(m1), QueueListsReader.fingerprint(m1.clone())))
                .isTrue();
        assertThat(QueueListsReader.sameHead(QueueListsReader.fingerprint(m1), QueueListsReader.fingerprint(m2))).isFalse();
        assertThat(QueueListsReader.sameHead(QueueListsReader.fingerprint(m1),
                QueueListsReader.fingerprint(sameTailOtherBody))).isFalse();
        assertThat(QueueListsReader.fingerprint(m1)).hasSizeLessThan(100);
        assertThat(QueueListsReader.fingerprint(b("x"))).hasSize(13);
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
