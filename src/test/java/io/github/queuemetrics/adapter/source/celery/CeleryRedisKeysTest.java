package io.github.queuemetrics.adapter.source.celery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.queuemetrics.adapter.source.celery.CeleryRedisKeys.Binding;
import java.util.List;
import org.junit.jupiter.api.Test;

class CeleryRedisKeysTest {

    private static final String SEP = "\u0006\u0016";

    @Test
    void defaultsMatchKombu() {
        CeleryRedisKeys keys = new CeleryRedisKeys(List.of(0, 3, 6, 9), SEP, "");
        assertThat(keys.listKeys("celery")).containsExactly("celery", "celery" + SEP + "3", "celery" + SEP + "6",
                "celery" + SEP + "9");
        assertThat(keys.unackedKey()).isEqualTo("unacked");
        assertThat(keys.bindingKey("celery")).isEqualTo("_kombu.binding.celery");
    }

    @Test
    void priorityMapsOntoStepsLikeBisect() {
        CeleryRedisKeys keys = new CeleryRedisKeys(List.of(0, 3, 6, 9), SEP, "");
        assertThat(List.of(0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 255).stream().map(keys::priority).toList())
                .containsExactly(0, 0, 0, 3, 3, 3, 6, 6, 9, 9, 9);
        // Python's steps[bisect(steps, n) - 1] wraps to the LAST step below the first one
        CeleryRedisKeys noZero = new CeleryRedisKeys(List.of(1, 5, 9), SEP, "");
        assertThat(noZero.priority(0)).isEqualTo(9);
    }

    @Test
    void customStepsSeparatorAndPrefix() {
        CeleryRedisKeys keys = new CeleryRedisKeys(List.of(0, 5, 10), ":", "app1:");
        assertThat(keys.listKeys("q")).containsExactly("app1:q", "app1:q:5", "app1:q:10");
        assertThat(keys.unackedKey()).isEqualTo("app1:unacked");
        assertThat(keys.bindingKey("q")).isEqualTo("app1:_kombu.binding.q");
        assertThat(keys.exchangeOfBindingKey("app1:_kombu.binding.reply.celery.pidbox")).contains("reply.celery.pidbox");
        assertThat(keys.exchangeOfBindingKey("_kombu.binding.q")).isEmpty();
    }

    @Test
    void withoutStepZeroTheBareQueueKeyIsNeverUsed() {
        // kombu's _q_for_pri returns the bare key only for step 0
        CeleryRedisKeys keys = new CeleryRedisKeys(List.of(1, 5, 9), SEP, "");
        assertThat(keys.listKeys("q")).containsExactly("q" + SEP + "1", "q" + SEP + "5", "q" + SEP + "9");
        assertThat(new CeleryRedisKeys(List.of(0), SEP, "").listKeys("q")).containsExactly("q");
    }

    @Test
    void scanPatternEscapesGlobCharactersOfThePrefix() {
        assertThat(new CeleryRedisKeys(List.of(0), SEP, "a*b?[c]\\:").bindingScanPattern())
                .isEqualTo("a\\*b\\?\\[c\\]\\\\:_kombu.binding.*");
        assertThat(new CeleryRedisKeys(List.of(0), SEP, "").bindingScanPattern()).isEqualTo("_kombu.binding.*");
    }

    @Test
    void parsesBindingMembers() {
        CeleryRedisKeys keys = new CeleryRedisKeys(List.of(0, 3, 6, 9), SEP, "");
        assertThat(keys.parseBinding("celery" + SEP + SEP + "celery")).contains(new Binding("celery", "", "celery"));
        assertThat(keys.parseBinding("a.#" + SEP + "^a\\..*?$" + SEP + "q.x")).contains(new Binding("a.#", "^a\\..*?$", "q.x"));
        assertThat(keys.parseBinding("no-separator")).isEmpty();
        assertThat(keys.parseBinding("one" + SEP + "sep")).isEmpty();
    }

    @Test
    void rejectsStepsKombuCouldNotBisect() {
        assertThatThrownBy(() -> new CeleryRedisKeys(List.of(0, 6, 3), SEP, "")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new CeleryRedisKeys(List.of(0, 3, 3), SEP, "")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new CeleryRedisKeys(List.of(-1, 3), SEP, "")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new CeleryRedisKeys(List.of(), SEP, "")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new CeleryRedisKeys(List.of(0), "", "")).isInstanceOf(IllegalArgumentException.class);
    }
}
